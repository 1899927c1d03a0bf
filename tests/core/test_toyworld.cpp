// placeholder: being written
#include "test_support.h"

class TestToyworld : public QObject {
    Q_OBJECT
};

QTEST_GUILESS_MAIN(TestToyworld)
#include "test_toyworld.moc"
