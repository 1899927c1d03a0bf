// placeholder: being written
#include "test_support.h"

class TestStats : public QObject {
    Q_OBJECT
};

QTEST_GUILESS_MAIN(TestStats)
#include "test_stats.moc"
