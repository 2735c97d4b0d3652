#!/bin/bash
# Runs ferrolink's GPU benchmark rows and GPU-vs-CPU sweeps on the lent H100/H200 machine, in
# one device call. Prepare here (repository root; both folders are git-ignored through
# .git/info/exclude):
#   mkdir -p gpu-run .gl; echo /gpu-run/ >> .git/info/exclude; echo /.gl/ >> .git/info/exclude
#   cargo build --release && cp target/release/ferrolink gpu-run/ && strip gpu-run/ferrolink
#   cp /usr/lib/x86_64-linux-gnu/libvulkan.so.1 gpu-run/ && cp gpu-kernels/scripts/device_bench.sh gpu-run/
#   o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
#   mkdir -p /tmp/amd64/partial; apt-get $o update
#   (cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
# then call the device tool with carry ["gpu-run", ".gl"] and the command
#   SECS=2 OUT=$OUT bash gpu-run/device_bench.sh
# Options (environment): SECS seconds per bench row; TUNE=--tune adds the launch-shape rows;
# AGREE="scenario ..." the sweeps run on both devices (quickstart in full, others --quick;
# FULL=1 runs them all in full; AGREE=none skips them); BENCH=0 skips the bench rows;
# TRAIN=scenarios/X.toml trains that scenario's neural receiver on the GPU (burn's wgpu
# backend) into $OUT/model for at most TRAIN_T seconds (default 420), TRAIN_STEPS steps,
# resuming from gpu-run/model when that folder was carried (copy the returned $OUT/model
# there to continue in a later call). Logs: $OUT/info.log, bench.log, bench.json, agree.log,
# train.log.
#
# Why each step: the machine's NVIDIA Vulkan ICD (libGLX_nvidia) needs the glvnd libraries
# installed and in the linker cache (the Debian packages above; without them the loader says
# "Could not get 'vkCreateInstance' via 'vk_icdGetInstanceProcAddr'"), VK_DRIVER_FILES naming
# its ICD file and the /dev/nvidia-modeset node.
cd "$(dirname "$0")"
for f in ../.gl/*.deb; do dpkg -x $f /; done; ldconfig
export LD_LIBRARY_PATH=$PWD:/usr/local/nvidia/lib64:$LD_LIBRARY_PATH WGPU_BACKEND=vulkan
for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json; do
  [ -e $f ] && export VK_DRIVER_FILES=$f && break
done
export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
[ -e /dev/nvidia-modeset ] || mknod -m 666 /dev/nvidia-modeset c 195 254
B=$PWD/ferrolink
SECS=${SECS:-2}
{ date; nvidia-smi -L; $B devices; } > $OUT/info.log 2>&1
cat $OUT/info.log
$B devices 2>&1 | grep -q DiscreteGpu || {
  echo "no GPU adapter"
  VK_LOADER_DEBUG=all $B devices 2>&1 | grep -iE "nvidia|fail|error" | head -40
  exit 3
}
[ "${BENCH:-1}" = 0 ] || timeout ${BENCH_T:-300} $B bench --device gpu --gpu-only $TUNE --seconds $SECS --out $OUT 2>&1 | tee $OUT/bench.log
cd ..
if [ -n "$TRAIN" ]; then
  [ -d gpu-run/model ] && cp -r gpu-run/model $OUT/model
  r=; [ -d $OUT/model/checkpoint ] && r=--resume
  timeout ${TRAIN_T:-420} $B train $TRAIN --out $OUT/model --device gpu $r ${TRAIN_STEPS:+--steps $TRAIN_STEPS} \
    > $OUT/train.log 2>&1
  tail -20 $OUT/train.log
fi
[ "$AGREE" = none ] && exit 0
{
for s in ${AGREE:-quickstart awgn-bg2-16qam-min-sum awgn-bg1-16qam-sionna tdl-a-300ns-30kmh-16qam-ls cdl-c-2x2-64qam-ls tdl-a-1x2-mcs13-dmrs-ls-harq}; do
  q=--quick; [ $s = quickstart ] || [ -n "$FULL" ] && q=
  for d in gpu cpu; do
    /usr/bin/time -f "$s $d %e s" timeout ${RUN_T:-60} $B run scenarios/$s.toml --device $d $q --fresh \
      --out /tmp/agree-$d-$s >/dev/null 2>/tmp/err-$s-$d
    tail -3 /tmp/err-$s-$d
    echo "== $s $d"; cat /tmp/agree-$d-$s/*/points.csv 2>/dev/null
  done
done
} > $OUT/agree.log 2>&1
tail -5 $OUT/agree.log
