"""Checks of notebook 07 (classic architectures): costs of convolutions, a residual block,
VGG-16's typo, VGG-19, the degradation experiment."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..shapes import conv_params
from .framework import (
    BUILD_IT,
    WRITE_IT,
    Hint,
    Spec,
    Verdict,
    contextual,
    named,
    notebook_data,
    number,
    register,
    sandbox_context,
)
from .rebuild import facts_of, facts_record, model_facts, rebuild


def _cost_counters() -> list:
    """The course's cost calculators (multiply–adds of a model, a layer, a convolution): what
    7.1 computes."""
    from ..cost import layer_costs, model_cost
    from ..shapes import conv_ops

    return [layer_costs, model_cost, conv_ops]


def _block_builders() -> list:
    """The course's residual blocks: the answer of exercise 7.2."""
    from ..models import classic

    return [classic.basic_block, classic.bottleneck_block, classic._conv_bn]


def _vgg19_builders() -> list:
    """Keras' VGG-19: the answer of exercise 7.3."""
    import keras

    return [keras.applications.VGG19]


def _resnet_builders() -> list:
    """The course's ResNets and blocks: the answer of exercise 7.4 (its block is 7.2's)."""
    from ..models import classic, lecture

    return [classic.mini_resnet, classic.resnet50, lecture.cifar_resnet, *_block_builders()]


CONV_CASES = [(28, 28, 192, 3, 256), (28, 28, 96, 5, 64), (55, 55, 96, 11, 3), (1, 1, 1, 1, 1),
              (7, 5, 3, 3, 2)]

CONV_MULT_ADDS = register(Spec(
    name="check_conv_mult_adds", exercise="7.1", probe="call", cases=lambda rng: CONV_CASES,
    reference=lambda h, w, f, k, c: h * w * f * k * k * c,
    label="{0}×{1}×{2} output, {3}×{3}×{4} kernels",
    success=f"{{n}} layers, e.g. 28×28×192×3×3×256 = {28 * 28 * 192 * 9 * 256:,}",
    forbidden=_cost_counters, reuse_hint=WRITE_IT, hints=[
        (lambda o, want, h, w, f, k, c: o * k == want, "the kernel is k×k: square it"),
        (lambda o, want, h, w, f, k, c: o * c == want, "each filter spans all c_in channels"),
        (lambda o, want, h, w, f, k, c: o == 2 * want, "one multiply–add per weight, not two"),
    ]))


def check_conv_mult_adds(fn: Callable[..., Any]) -> bool:
    """Exercise 7.1: ``fn(h_out, w_out, n_filters, kernel_size, c_in)`` → multiply–adds of a
    Conv2D layer: ``h_out·w_out·n_filters·kernel_size²·c_in``."""
    return CONV_MULT_ADDS.run(fn)


SEPARABLE_CASES = [(112, 112, 32, 64, 3), (14, 14, 512, 512, 5), (7, 5, 3, 2, 1), (1, 1, 1, 1, 1)]

SEPARABLE_MULT_ADDS = register(Spec(
    name="check_separable_mult_adds", exercise="7.1", probe="call",
    cases=lambda rng: SEPARABLE_CASES, reference=lambda h, w, c, f, k: h * w * c * (k * k + f),
    label="{0}×{1} output, {2} → {3} channels, {4}×{4} kernels", success="{n} layers agree",
    forbidden=_cost_counters, reuse_hint=WRITE_IT, hints=[
        (lambda o, want, h, w, c, f, k: o == h * w * f * k * k * c,
         "that is a standard convolution: here each input channel gets its own k×k filter, "
         "then a 1×1 convolution mixes the channels"),
        (lambda o, want, h, w, c, f, k: o == h * w * c * k * k,
         "the pointwise 1×1 convolution (c_in → n_filters) is missing"),
        (lambda o, want, h, w, c, f, k: o == h * w * c * f, "the depthwise k×k step is missing"),
        (lambda o, want, h, w, c, f, k: o == h * w * c * (k + f), "the kernel is k×k: square it"),
    ]))


def check_separable_mult_adds(fn: Callable[..., Any]) -> bool:
    """Exercise 7.1: ``fn(h_out, w_out, c_in, n_filters, kernel_size)`` → multiply–adds of a
    depthwise-separable convolution (Keras ``SeparableConv2D``): depthwise ``h_out·w_out·c_in·k²``
    + pointwise ``h_out·w_out·c_in·n_filters``."""
    return SEPARABLE_MULT_ADDS.run(fn)


BlockFacts = facts_record("BlockFacts", "output_dims", "has_add", "parameters")


def _reference_block(x: dict, filters: int, stride: int) -> BlockFacts:
    import keras

    from ..models import basic_block

    inputs = keras.Input(tuple(x["keras_input"]))
    return facts_of(BlockFacts, keras.Model(inputs, basic_block(inputs, filters, stride,
                                                                    name="ref")))


BASIC_BLOCK = register(Spec(
    name="check_basic_block", exercise="7.2", probe="tensor_call",
    cases=lambda rng: [({"keras_input": [16, 16, 8]}, 8, 1), ({"keras_input": [16, 16, 8]}, 16, 2)],
    reference=_reference_block, facts=model_facts(BlockFacts),
    compare=named(("output shape", "Add layer", "parameters")),
    label=lambda x, f, s: f"input {tuple(x['keras_input'])}, filters {f}, stride {s}",
    success="identity and projection shortcuts both right", forbidden=_block_builders,
    reuse_hint=BUILD_IT, hints=[
        (lambda o, w, *_: not o.has_add, "no Add layer: where is the shortcut?"),
        (lambda o, w, *_: o.output_dims != w.output_dims,
         "the first 3×3 conv and the shortcut take the stride"),
        (lambda o, w, x, f, s: o.parameters - w.parameters in (2 * f, 3 * f),
         "no bias before BatchNorm: use_bias=False"),
        (lambda o, w, x, f, s: s == 1 and o.parameters > w.parameters,
         "same shape: the shortcut is x itself"),
        (lambda *_: True, "two 3×3 convs without bias, BatchNorm after each, a 1×1 projection "
                          "shortcut only when the shape changes"),
    ]))


def check_basic_block(fn: Callable[..., Any]) -> bool:
    """Exercise 7.2: ``fn(x, filters, stride)`` builds a residual basic block on the Keras
    tensor ``x``: output = ReLU(F(x) + shortcut(x)); compared with
    :func:`course_utils.models.basic_block` (output shape, an Add layer, parameter count)."""
    return BASIC_BLOCK.run(fn)


_VGG_ROW = conv_params(3, 3, 512, 512)

VGG_ROW = register(Spec(
    name="check_vgg_row", exercise="7.3", probe="value", cases=lambda rng: [()],
    reference=lambda: _VGG_ROW, compare=number(), hints=[
        (lambda a, w: a == 2_359_880, "that is the slide's typo: recompute (3·3·512 + 1)·512"),
        (lambda a, w: a == conv_params(3, 3, 512, 512, bias=False), "did you count the biases?"),
        (lambda a, w: a == conv_params(3, 3, 1, 512), "each filter spans all 512 input channels"),
    ]))


def check_vgg_row(answer: Any) -> bool:
    """Exercise 7.3: parameters of VGG-16's Conv2D(512, 3×3) on 512 channels (with bias)."""
    return VGG_ROW.run(answer)


VGGFacts = facts_record("VGGFacts", "output_dims", "conv_layers", "parameters")


def _vgg19_facts() -> tuple:
    import keras

    from .probes import build_unweighted

    return facts_of(VGGFacts, build_unweighted(lambda: keras.applications.VGG19(weights=None)))


VGG19 = register(Spec(
    name="check_vgg19", exercise="7.3", probe="call_unweighted", cases=lambda rng: [()],
    reference=_vgg19_facts, facts=model_facts(VGGFacts, weights=False), label="",
    reveal=False, forbidden=_vgg19_builders,
    reuse_hint="write the layers yourself; models.vgg_block may build each block",
    compare=named(("output shape", "Conv2D layers", "parameters")),
    success=lambda g: f"16 convolutions + 3 dense layers, {g.parameters:,} parameters", hints=[
        (lambda got, w: got.parameters == 138_357_544, "that is VGG-16: VGG-19 has four "
                                                       "convolutions in each of blocks 3, 4, 5"),
        (lambda got, w: got.output_dims != w.output_dims,
         "the head: Flatten → Dense 4096 → Dense 4096 → Dense 1000 (softmax)"),
        (lambda got, w: got.conv_layers == w.conv_layers,
         "the convolutions are right: check the filters per block (64, 128, 256, 512, 512) and "
         "the dense layers"),
        (lambda got, w: got.conv_layers != w.conv_layers,
         "blocks of 2, 2, 4, 4, 4 convolutions (3×3, 'same'), each block ending in a 2×2 "
         "max-pool"),
    ]))


def check_vgg19(fn: Callable[..., Any]) -> bool:
    """Exercise 7.3: ``fn()`` builds VGG-19 (Simonyan & Zisserman 2015, configuration E) for
    224×224×3 images and 1000 classes; compared with ``keras.applications.VGG19(weights=None)``:
    output shape, number of Conv2D layers and parameters. Built without drawing random weights
    (:func:`probes.build_unweighted`)."""
    return VGG19.run(fn)


NetFacts = facts_record("NetFacts", "output_dims", "weighted_depth", "add_layers", "parameters")


def _mini_resnet_facts(n: int, residual: bool) -> tuple:
    from ..models import mini_resnet

    return facts_of(NetFacts, mini_resnet(widths=(8, 16, 32), blocks_per_stage=n,
                                          residual=residual))


_RESIDUAL_HINTS: list[Hint] = [
    (lambda o, w, n, r: r and o.add_layers == 0, "no Add layer: where are the shortcuts?"),
    (lambda o, w, n, r: not r and o.add_layers > 0,
     "residual=False: the plain network has no Add"),
    (lambda o, w, n, r: o.weighted_depth == w.weighted_depth - 2,
     "count the stem convolution and the Dense layer too: 6n + 2 weighted layers"),
    (lambda o, w, n, r: o.weighted_depth != w.weighted_depth,
     "3 stages × n blocks × 2 convolutions, plus the stem and the Dense layer"),
    (lambda o, w, n, r: o.output_dims != w.output_dims, "the last layer: Dense(10, softmax)"),
    (lambda o, w, n, r: r and o.parameters > w.parameters,
     "a 1×1 projection shortcut only where the shape changes (first block of stages 2 and 3); "
     "convs without bias before BatchNorm"),
    (lambda o, w, *_: o.parameters != w.parameters,
     "3×3 convs without bias, BatchNorm after each; widths 8, 16, 32; the stem has stride 2"),
]


def _residual_net(x: np.ndarray, y: np.ndarray) -> Spec:
    def trains(values: list, cases: list, context: tuple) -> Verdict:
        """Stage 2: both versions (n = 2), rebuilt from their configs, learn in a few epochs."""
        from ..training import training_losses

        falls = {}
        for config, (_, residual) in zip(values[:2], cases[:2], strict=True):
            losses = training_losses(rebuild(config), x, y)
            if not np.all(np.isfinite(losses)) or losses[-1] >= losses[0]:
                return Verdict(False, f"residual={residual}: the training loss does not fall "
                                      f"({losses[0]:.2f} → {losses[-1]:.2f}); is the output a "
                                      "softmax and does every block pass its input on?")
            falls[residual] = f"{losses[0]:.2f} → {losses[-1]:.2f}"
        return Verdict(True, f"both match mini_resnet and train: loss {falls[True]} "
                             f"(residual), {falls[False]} (plain)")

    return Spec(
        name="check_residual_net", exercise="7.4", probe="call",
        cases=lambda rng: [(2, True), (2, False), (1, True)], reference=_mini_resnet_facts,
        facts=model_facts(NetFacts), then=trains, forbidden=_resnet_builders,
        reuse_hint="build it yourself, from your basic_block of exercise 7.2",
        compare=named(("output shape", "weighted layers", "Add layers", "parameters")),
        label="n_blocks={}, residual={}", hints=_RESIDUAL_HINTS)


def residual_net_context(profile: Any = None, source: str = "auto", n: int = 640
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Exercise 7.4's context: ``(x, y)``, the first ``n`` of notebook 07b's CIFAR-10 fit images
    (:func:`~.framework.notebook_data`; the last 20 % of the training images are its
    validation split), (n, 32, 32, 3) uint8 and (n,)."""
    cifar = notebook_data("cifar10", profile, source)
    n_fit = len(cifar.y_train) - len(cifar.y_train) // 5
    return cifar.x_train[:n_fit][:n], cifar.y_train[:n_fit][:n]


RESIDUAL_NET = register(contextual("check_residual_net", "7.4", "call", ("x", "y"),
                                   _residual_net, forbidden=_resnet_builders,
                                   grading_context=sandbox_context(residual_net_context,
                                                                   "cifar10")))


def check_residual_net(fn: Callable[..., Any], x: np.ndarray, y: np.ndarray) -> bool:
    """Exercise 7.4: ``fn(n_blocks, residual)`` builds the networks of the degradation
    experiment for 32×32×3 images and 10 classes: stem (3×3 conv 8, stride 2, BN, ReLU) → 3
    stages of ``n_blocks`` basic blocks with 8, 16, 32 filters (the first block of stages 2 and 3
    has stride 2) → global average pooling → Dense(10, softmax); ``residual=False`` leaves out
    every shortcut. Stage 1: compared with :func:`course_utils.models.mini_resnet` (output shape,
    weighted depth ``6n + 2``, Add layers, parameters); stage 2: both versions (n = 2) are
    trained for a few epochs on ``x`` (N, 32, 32, 3) uint8, ``y`` (N,) and their training loss
    must fall."""
    return RESIDUAL_NET.run(fn, x, y)
