# Sourced by Benchmarks/run.sh. SAC and TD3 training wall time per run on Pendulum-v1,
# RL-Zoo settings (agents/sac.yml, agents/td3.yml), 20k steps, seed 0, one thread each;
# lower is better. Then the rate of the updates' matrix products over the whole training
# time (rllab train counts them from the network shapes, the batch and the number of
# updates, forward and backward) against this core's FP32 peak.

# FP32 peak of one core: FMA units x lanes x 2 x clock. Two FMA units per core on the CPUs
# this runs on (AMD Zen 2-4, Intel Xeon Skylake-SP and later); 16 lanes with AVX-512 on
# Intel, 8 otherwise (Zen 4 runs AVX-512 as two 256-bit halves, so 8 per cycle per unit).
# The clock is the one the kernel reports (lscpu's max MHz when it has one): a VM's
# reported clock, not a measured boost.
core_peak() {
    local mhz lanes=8
    mhz=$(lscpu | awk -F: '/CPU max MHz/ {gsub(/ /, "", $2); print $2}')
    [ -z "$mhz" ] && mhz=$(awk -F: '/cpu MHz/ {gsub(/ /, "", $2); print $2; exit}' /proc/cpuinfo)
    grep -q avx512f /proc/cpuinfo && grep -q GenuineIntel /proc/cpuinfo && lanes=16
    python3 -c "print(f'{2 * $lanes * 2 * $mhz / 1000:.1f} GFLOP/s: 2 FMA units x $lanes FP32 lanes x 2 x {$mhz / 1000:.2f} GHz')"
}
peak=$(core_peak)

for algo in sac td3; do
    name=$(echo "$algo" | tr a-z A-Z)
    row "$name Pendulum-v1 training, RL-Zoo settings, 20k steps (vs SB3 $name, 1 torch thread)" "s" 0 \
        "$rllab train --env Pendulum-v1 --agent $algo --seed 0 --timesteps 20000 --quiet --out $out/$algo | tee $out/$algo.txt | grep ' steps in '" \
        "${python:+$python Benchmarks/sb3_continuous.py --algo $algo --seed 0 --timesteps 20000 --threads 1}"
    row "$name Pendulum-v1 updates' matrix products over the training time above (core peak $peak)" "GFLOP/s" 1 \
        "grep 'GFLOP/s' $out/$algo.txt" ""
done
