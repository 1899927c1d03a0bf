#pragma once
// Precompiled header for the torch-using part of core: parsing torch/torch.h costs ~10 s
// per file on these machines, so it is parsed once per target.
#include <torch/torch.h>
