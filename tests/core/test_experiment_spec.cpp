// placeholder: being written
#include "test_support.h"

class TestExperimentSpec : public QObject {
    Q_OBJECT
};

QTEST_GUILESS_MAIN(TestExperimentSpec)
#include "test_experiment_spec.moc"
