#include "spec_document.h"

#include "common/atomic_file.h"

#include <QUndoCommand>

namespace inoculab::ui {

class SpecEditCommand : public QUndoCommand {
public:
    SpecEditCommand(SpecDocument *doc, experiment::ExperimentSpec before, experiment::ExperimentSpec after,
                    const QString &text, QString mergeKey)
        : QUndoCommand(text),
          m_doc(doc),
          m_before(std::move(before)),
          m_after(std::move(after)),
          m_mergeKey(std::move(mergeKey)) {}

    void undo() override { m_doc->apply(m_before); }
    void redo() override { m_doc->apply(m_after); }
    int id() const override { return m_mergeKey.isEmpty() ? -1 : 1; }
    bool mergeWith(const QUndoCommand *other) override {
        auto *next = static_cast<const SpecEditCommand *>(other);
        if (next->m_mergeKey != m_mergeKey) return false;
        m_after = next->m_after;
        return true;
    }

private:
    SpecDocument *m_doc;
    experiment::ExperimentSpec m_before, m_after;
    QString m_mergeKey;
};

SpecDocument::SpecDocument(QObject *parent) : QObject(parent) { reset(); }

void SpecDocument::apply(const experiment::ExperimentSpec &spec) {
    m_spec = spec;
    m_problems = experiment::checkExperimentSpec(m_spec);
    Q_EMIT changed();
}

bool SpecDocument::load(const QString &path, QString *error) {
    try {
        experiment::ExperimentSpec spec = experiment::loadExperimentSpec(path.toStdString());
        m_undo.clear();
        m_path = path;
        apply(spec);
        Q_EMIT pathChanged();
        return true;
    } catch (const std::exception &e) {
        if (error) *error = QString::fromStdString(e.what());
        return false;
    }
}

bool SpecDocument::save(const QString &path, QString *error) {
    try {
        common::AtomicFileWriter out(path.toStdString());
        out.write(experiment::toJson(m_spec).dump(2) + "\n");
        out.commit();
    } catch (const std::exception &e) {
        if (error) *error = path + QStringLiteral(": ") + QString::fromStdString(e.what());
        return false;
    }
    m_undo.setClean();
    if (path != m_path) {
        m_path = path;
        Q_EMIT pathChanged();
    }
    return true;
}

void SpecDocument::reset() {
    experiment::ExperimentSpec spec;
    spec.name = "new-experiment";
    spec.trainData.generator = std::string(experiment::kToyTrainGenerator);
    spec.evaluation.questions.generator = std::string(experiment::kToyQuestionGenerator);
    spec.conditions.push_back({"baseline", {}});
    spec.seeds = {0};
    spec.training.steps = 100;
    spec.training.maxLength = spec.baseModel.toy.context;  // a toy model reads no further
    spec.traits.push_back({});
    spec.traits.back().name = "all_caps";
    m_undo.clear();
    m_path.clear();
    apply(spec);
    Q_EMIT pathChanged();
}

void SpecDocument::edit(const experiment::ExperimentSpec &after, const QString &description, const QString &mergeKey) {
    if (after == m_spec) return;
    m_undo.push(new SpecEditCommand(this, m_spec, after, description, mergeKey));
}

void SpecDocument::setCondition(int index, const experiment::ConditionSpec &condition, const QString &mergeKey) {
    if (index < 0 || index >= static_cast<int>(m_spec.conditions.size())) return;
    experiment::ExperimentSpec after = m_spec;
    after.conditions[static_cast<std::size_t>(index)] = condition;
    edit(after, tr("Edit condition %1").arg(QString::fromStdString(condition.name)), mergeKey);
}

}  // namespace inoculab::ui
