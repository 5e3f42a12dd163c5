# MLP GAN iteration (G 256-512-1024-784, D 784-256-1, batch 100): RLLab vs PyTorch CPU,
# same model, batch and thread count (1 and 2 threads). Sourced by Benchmarks/run.sh.
for threads in 1 2; do
    row "MLP GAN iteration, batch 100, $threads thread(s) (vs PyTorch)" "ms" 0 \
        "RLLAB_BLAS_THREADS=$threads $rllab gan bench --iterations 200" \
        "$python Benchmarks/torch_gan.py --threads $threads --iterations 200"
done
