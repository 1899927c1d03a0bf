#pragma once
// Activation (gradient) checkpointing: a block's intermediate activations are not kept for
// the backward pass but recomputed from its input when the gradient reaches it, trading one
// more forward of the block for memory that grows with depth (torch.utils.checkpoint's
// reentrant variant, in C++). Wrap each transformer block: only the block inputs stay alive.

#include <torch/torch.h>

#include <functional>

namespace inoculab::model {

// Returns f(x). With grad mode on, f runs without building a graph and only x is saved; when
// the gradient arrives, f runs again on a detached x with grad mode on and its own backward
// accumulates .grad into every parameter f used that requires grad, then x's gradient flows
// on. The output takes part in autograd even when x does not require grad (the first block
// of a LoRA model: the embeddings are frozen, the adapters inside are not).
//
// What f must respect, as with torch.utils.checkpoint:
//  - f is called twice: it must compute the same thing both times (no state changed by a
//    call, no in-place change of x), and what it captures must live until the backward pass;
//  - tensors that f captures from outside (a mask, a position table) must not require grad
//    unless they are leaves, since the recomputation would reach into the graph that built
//    them; parameters are leaves and are fine;
//  - random draws (dropout) are replayed: the default generator of x's device (and the CPU
//    one) is set back to its forward-time state for the recomputation and restored after,
//    so the recomputed dropout masks equal the forward's;
//  - CUDA autocast on during the forward is turned on again for the recomputation.
// With grad mode off it is plain f(x).
torch::Tensor checkpointed(const std::function<torch::Tensor(const torch::Tensor &)> &f, const torch::Tensor &x);

}  // namespace inoculab::model
