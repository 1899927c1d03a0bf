// What the SLURM backend reads from SLURM's commands and from the work folder's files (which
// come from cluster nodes and are not trusted), and the run state it decides from them, on
// outputs written as SLURM 22.05 (Debian 12) and 24.11 (Debian 13) print them.
#include "common/input_error.h"
#include "experiment/backends/slurm_client.h"
#include "experiment/backends/slurm_queue.h"
#include "experiment/backends/slurm_work_dir.h"

#include <QTest>

using namespace inoculab::experiment;

class TestSlurmParsers : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void squeueListsEachTaskAndSkipsWhatIsNotATask() {
        auto q = parseSqueue(
            "81231_0|RUNNING|None|node07\n"
            "81231_1|PENDING|Resources|\n"
            "81231_[2-4]|PENDING|Priority|\n"  // a range squeue did not expand
            "81230|COMPLETED|None|node07\r\n"
            "squeue: error: Invalid job id specified\n"
            "81232_0|RUNNING|None\n");  // a field short
        QCOMPARE(q.size(), std::size_t(3));
        QCOMPARE(QString::fromStdString(q.at("81231_0").state), "RUNNING");
        QCOMPARE(QString::fromStdString(q.at("81231_0").reason), "");  // "None" is no reason
        QCOMPARE(QString::fromStdString(q.at("81231_0").node), "node07");
        QCOMPARE(QString::fromStdString(q.at("81231_1").reason), "Resources");
        QCOMPARE(QString::fromStdString(q.at("81231_1").node), "");
        QCOMPARE(QString::fromStdString(q.at("81230").state), "COMPLETED");
    }

    void sacctReadsCancelledByAsCancelled() {
        auto a = parseSacct(
            "81231_0|CANCELLED by 0|0:15|node07\n"
            "81231_1|NODE_FAIL|1:0|node03\n"
            "81231_2|PENDING|0:0|None assigned\n");
        QCOMPARE(a.size(), std::size_t(3));
        QCOMPARE(QString::fromStdString(a.at("81231_0").state), "CANCELLED");
        QCOMPARE(QString::fromStdString(a.at("81231_0").exitCode), "0:15");
        QCOMPARE(QString::fromStdString(a.at("81231_1").node), "node03");
        QCOMPARE(QString::fromStdString(a.at("81231_2").node), "");
    }

    void configValuesAndSbatchAnswers() {
        const std::string config =
            "Configuration data as of 2026-12-04T06:00:00\n"
            "AccountingStorageType   = accounting_storage/none\n"
            "MaxArraySize            = 1001\n"
            "MinJobAge               = 300 sec\n";
        QCOMPARE(QString::fromStdString(*configValue(config, "MaxArraySize")), "1001");
        QCOMPARE(QString::fromStdString(*configValue(config, "AccountingStorageType")), "accounting_storage/none");
        QVERIFY(!configValue(config, "MaxArray").has_value());  // whole names only
        QCOMPARE(QString::fromStdString(parseSbatchJobId("81231\n")), "81231");
        QCOMPARE(QString::fromStdString(parseSbatchJobId("81231;cluster-b\n")), "81231");
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, parseSbatchJobId("sbatch: error: invalid partition\n"));
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, parseSbatchJobId(""));
    }

    void slurmTimesAreSecondsOrRefused() {
        QCOMPARE(*slurmTimeSeconds("30"), 1800L);             // minutes
        QCOMPARE(*slurmTimeSeconds("30:15"), 1815L);          // minutes:seconds
        QCOMPARE(*slurmTimeSeconds("04:00:00"), 14400L);      // hours:minutes:seconds
        QCOMPARE(*slurmTimeSeconds("1-12"), 129600L);         // days-hours
        QCOMPARE(*slurmTimeSeconds("2-00:30"), 174600L);      // days-hours:minutes
        QCOMPARE(*slurmTimeSeconds("1-00:00:01"), 86401L);
        for (const char *bad : {"", "abc", "1:2:3:4", "-5", "1--2", "4h", "99999999999999999999", "1:-1"})
            QVERIFY2(!slurmTimeSeconds(bad).has_value(), bad);
        SlurmOptions o;
        o.time = "2";  // 120 s with a 300 s warning: no time to train
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, checkSlurmOptions(o));
        o.warningSeconds = 60;
        checkSlurmOptions(o);  // a minute of training before the warning
        o.time = "1:59";
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, checkSlurmOptions(o));
    }

    void exitRecordsAreOneLineOfThreeNumbers() {
        auto r = parseExitRecord("137 81231_4 2\n", "status/x.exit");
        QCOMPARE(r->code, 137);
        QCOMPARE(QString::fromStdString(r->jobId), "81231_4");
        QCOMPARE(r->attempt, 2);
        for (const char *bad : {"", "137", "137 81231_4", "137 81231_4 2 extra", "x 81231_4 1", "-1 81231_4 1",
                                "0 81231;rm 1", "0 81231_4 1.5"}) {
            try {
                parseExitRecord(bad, "status/x.exit");
                QFAIL(bad);
            } catch (const inoculab::common::InputError &e) {
                QVERIFY2(QString(e.what()).contains("status/x.exit"), e.what());  // names the file
            }
        }
    }

    void submissionsNameTheirLineWhenDamaged() {
        auto s = parseSubmissions("{\"job\":\"81230\",\"pretrain\":true,\"runs\":[\"pretrain\"]}\n\n"
                                  "{\"job\":\"81231\",\"runs\":[\"baseline-seed0\",\"control-seed0\"]}\n",
                                  "submissions.jsonl");
        QCOMPARE(s.size(), std::size_t(2));
        QVERIFY(s[0].pretrain);
        QCOMPARE(s[1].labels.size(), std::size_t(2));
        QCOMPARE(QString::fromStdString(s[1].labels[1]), "control-seed0");
        const char *bad[] = {"{\"job\":\"81231\",\"runs\":[\"../../etc/passwd\"]}", "{\"job\":\"8x\",\"runs\":[]}",
                             "{\"runs\":[]}", "[1,2]", "{\"job\":\"1\",\"runs\":[\"a\"]", "{\"job\":\"1\",\"runs\":[3]}"};
        for (const char *line : bad) {
            try {
                parseSubmissions(std::string("{\"job\":\"1\",\"runs\":[\"a\"]}\n") + line + "\n", "submissions.jsonl");
                QFAIL(line);
            } catch (const inoculab::common::InputError &e) {
                QVERIFY2(e.file() == "submissions.jsonl" && e.line() == 2, e.what());
            }
        }
    }

    void runLabelsAreOnePlainFileNamePerCondition() {
        QCOMPARE(QString::fromStdString(runFileLabel("inoc-spanish", 3)), "inoc-spanish-seed3");
        QCOMPARE(QString::fromStdString(runFileLabel("a/b c", 0)), "a%2Fb%20c-seed0");
        QCOMPARE(QString::fromStdString(runFileLabel(".hidden", 1)), "%2Ehidden-seed1");
        QCOMPARE(QString::fromStdString(runFileLabel("é", 1)), "%C3%A9-seed1");
        QVERIFY(runFileLabel("a b", 0) != runFileLabel("a_b", 0));
        QCOMPARE(QString::fromStdString(arrayTaskId("81231", 4)), "81231_4");
    }

    // The order of evidence (slurm_queue.h): file, live queue, exit record, final queue, accounting.
    void statesFollowTheOrderOfEvidence() {
        const std::string task = "81231_0";
        QueueEntry running{"RUNNING", "", "node07", ""};
        QueueEntry pending{"PENDING", "BeginTime", "", ""};
        QueueEntry cancelled{"CANCELLED", "", "node07", ""};
        QueueEntry timeout{"TIMEOUT", "", "node07", ""};
        QueueEntry nodeFail{"NODE_FAIL", "", "node03", "1:0"};
        ExitRecord checkpointed{4, task, 1}, killed{137, task, 1};

        QCOMPARE(decideRunStatus(true, task, killed, nodeFail, std::nullopt).state, ClusterRunState::Done);
        QCOMPARE(decideRunStatus(false, "", std::nullopt, std::nullopt, std::nullopt).state,
                 ClusterRunState::NotSubmitted);
        auto live = decideRunStatus(false, task, std::nullopt, running, std::nullopt);
        QCOMPARE(live.state, ClusterRunState::Running);
        QCOMPARE(QString::fromStdString(live.detail), "node07");
        QCOMPARE(QString::fromStdString(live.slurmState), "RUNNING");
        // A record from an earlier attempt and the task pending again: requeued, with the reason.
        auto requeued = decideRunStatus(false, task, checkpointed, pending, std::nullopt);
        QCOMPARE(requeued.state, ClusterRunState::Requeued);
        QCOMPARE(QString::fromStdString(requeued.detail), "BeginTime");
        QCOMPARE(decideRunStatus(false, task, std::nullopt, pending, std::nullopt).state, ClusterRunState::Pending);
        QCOMPARE(decideRunStatus(false, task, checkpointed, cancelled, std::nullopt).state, ClusterRunState::Cancelled);
        QCOMPARE(decideRunStatus(false, task, checkpointed, timeout, std::nullopt).state, ClusterRunState::Timeout);
        // Without squeue (it forgot the task) the record alone decides; accounting names SLURM's state.
        QCOMPARE(decideRunStatus(false, task, checkpointed, std::nullopt, std::nullopt).state,
                 ClusterRunState::Cancelled);
        QCOMPARE(decideRunStatus(false, task, checkpointed, std::nullopt, timeout).state, ClusterRunState::Timeout);
        auto failed = decideRunStatus(false, task, killed, std::nullopt, std::nullopt);
        QCOMPARE(failed.state, ClusterRunState::Failed);
        QCOMPARE(QString::fromStdString(failed.detail), "exit code 137");
        // No record: the batch script never got to write one.
        auto node = decideRunStatus(false, task, std::nullopt, nodeFail, std::nullopt);
        QCOMPARE(node.state, ClusterRunState::Failed);
        QCOMPARE(QString::fromStdString(node.detail), "NODE_FAIL (exit 1:0) on node03");
        QCOMPARE(decideRunStatus(false, task, std::nullopt, std::nullopt, nodeFail).state, ClusterRunState::Failed);
        QCOMPARE(decideRunStatus(false, task, std::nullopt, std::nullopt, std::nullopt).state, ClusterRunState::Lost);
        QVERIFY(isFinal(ClusterRunState::Lost) && !isFinal(ClusterRunState::Requeued));
    }
};

QTEST_APPLESS_MAIN(TestSlurmParsers)
#include "test_slurm_parsers.moc"
