#!/usr/bin/env bash
# What the tests need beyond NuGet: qemu-user and Debian's arm64 C libraries (multiarch), for the
# ARM64 job (tests/ScriptableNN.Examples.Tests/Arm64Tests.cs), and python3-onnx, whose checker
# judges every ONNX file we write (tests/ScriptableNN.Lua.Tests/OnnxRoundTripTests.cs), and
# dataset-fashion-mnist for scripts/fashion_mnist.lua (tests/ScriptableNN.Cli.Tests/FashionMnistTests.cs),
# and lua-busted with lua5.4, the reference snn test is compared with (tests/ScriptableNN.Lua.Tests/BustedDifferentialTests.cs;
# busted on Lua 5.4, whose math.random gives the shuffled orders snn test reproduces).
# Idempotent; .ci/run calls it first.
set -euo pipefail
need=0
command -v qemu-aarch64 >/dev/null 2>&1 || need=1
[ -e /lib/ld-linux-aarch64.so.1 ] || need=1
[ -e /usr/lib/aarch64-linux-gnu/libssl.so.3 ] || need=1
[ -e /usr/lib/aarch64-linux-gnu/libstdc++.so.6 ] || need=1
/usr/bin/python3 -c "import onnx" >/dev/null 2>&1 || need=1
[ -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || need=1
command -v busted >/dev/null 2>&1 || need=1
command -v lua5.4 >/dev/null 2>&1 || need=1
[ "$need" = 0 ] && exit 0
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo dpkg --add-architecture arm64
$sudo apt-get update -qq
$sudo apt-get install -y -qq qemu-user libc6:arm64 libstdc++6:arm64 libssl3:arm64 python3-onnx dataset-fashion-mnist lua-busted lua5.4 >/dev/null
echo "installed qemu-user, the arm64 libraries, python3-onnx, dataset-fashion-mnist, lua-busted and lua5.4"
