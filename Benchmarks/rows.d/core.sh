# Sourced by Benchmarks/run.sh: training steps of the autodiff core vs PyTorch CPU on the
# same shapes and one thread each (rllab bench core / torch_core.py); lower is better.
for hidden in 64 256; do
    row "DQN training step 4-$hidden-$hidden-2, batch 64, 1 thread (vs PyTorch)" "ms/step" 0 \
        "RLLAB_BLAS_THREADS=1 $rllab bench core --only 'dqn_step 4-$hidden-' --seconds 2" \
        "${python:+RLLAB_BLAS_THREADS=1 $python Benchmarks/torch_core.py --only 'dqn_step 4-$hidden-' --seconds 2}"
done
row "GAN training step G 256-512-1024-784, D 784-256-1, batch 100, 1 thread (vs PyTorch)" "ms/step" 0 \
    "RLLAB_BLAS_THREADS=1 $rllab bench core --only gan --seconds 2 | grep gan_iteration" \
    "${python:+RLLAB_BLAS_THREADS=1 $python Benchmarks/torch_core.py --only gan --seconds 2 | grep gan_iteration}"
# Both cores: RLLab splits the products and Adam over RLLAB_BLAS_THREADS (same bits as 1
# thread); PyTorch gets the same intra-op thread count.
row "DQN training step 4-256-256-2, batch 64, 2 threads (vs PyTorch)" "ms/step" 0 \
    "RLLAB_BLAS_THREADS=2 $rllab bench core --only 'dqn_step 4-256-' --seconds 2" \
    "${python:+RLLAB_BLAS_THREADS=2 $python Benchmarks/torch_core.py --only 'dqn_step 4-256-' --seconds 2}"
