// chooseDevice: CUDA when present and asked for, CPU otherwise; a clear error when CUDA is
// demanded on a machine without it.
#include "test_support.h"

#include "model/device.h"

#include <torch/cuda.h>

using namespace inoculab::model;

class TestDevice : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void parsesRequests() {
        QCOMPARE(parseDeviceRequest("auto"), std::optional(DeviceRequest::Auto));
        QCOMPARE(parseDeviceRequest("cpu"), std::optional(DeviceRequest::Cpu));
        QCOMPARE(parseDeviceRequest("cuda"), std::optional(DeviceRequest::Cuda));
        QCOMPARE(parseDeviceRequest("gpu"), std::optional<DeviceRequest>());
    }

    void autoFollowsTheMachine() {
        DeviceChoice choice = chooseDevice(DeviceRequest::Auto);
        QCOMPARE(choice.cuda, torch::cuda::is_available());
        QVERIFY(!choice.name.empty());
        QVERIFY(!choice.torchVersion.empty());
        QVERIFY(choice.cpuThreads >= 1);
    }

    void cpuIsAlwaysAvailable() {
        DeviceChoice choice = chooseDevice(DeviceRequest::Cpu);
        QVERIFY(!choice.cuda);
        QCOMPARE(choice.name, std::string("cpu"));
    }

    void cudaWithoutAGpuIsAnError() {
        if (torch::cuda::is_available()) QSKIP("this machine has CUDA");
        QVERIFY_THROWS_EXCEPTION(std::exception, chooseDevice(DeviceRequest::Cuda));
    }
};

QTEST_GUILESS_MAIN(TestDevice)
#include "test_device.moc"
