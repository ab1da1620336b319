"""Model builders: the lecture CNNs, classic architectures and EfficientNet-Lite0.

Importing this package imports TensorFlow/Keras.
"""

from .classic import *  # noqa: F401,F403  AlexNet, VGG, Inception, ResNet (notebooks 06-07)
from .efficientnet import *  # noqa: F401,F403  EfficientNet-Lite0 (notebooks 08-10)
from .lecture import *  # noqa: F401,F403  LeNet-5, lecture CNN, CIFAR CNNs (notebooks 04-05)
