// The torch-free half of model/device.h, so option parsing and job files need no libtorch.
#include "model/device.h"

namespace inoculab::model {

std::optional<DeviceRequest> parseDeviceRequest(std::string_view name) {
    if (name == "auto") return DeviceRequest::Auto;
    if (name == "cpu") return DeviceRequest::Cpu;
    if (name == "cuda") return DeviceRequest::Cuda;
    return std::nullopt;
}

}  // namespace inoculab::model
