# Sourced by Benchmarks/run.sh: vectorized CartPole and value iteration rows.
# Uses row(), $rllab, $python and $only_ours from run.sh.

cores=$(nproc)

# Our vector kernel on 1 core and on all cores, with 2048 copies (enough work per call
# for the threads to pay); Gymnasium's SyncVectorEnv at the same N for the 1-core row.
row "CartPole-v1 vector, 2048 envs, 1 core (vs Gymnasium SyncVectorEnv, 2048 envs)" "steps/s" 1 \
    "$rllab bench env --env CartPole-v1 --num-envs 2048 --threads 1 --steps 200000000" \
    "$python Benchmarks/gymnasium_vector.py --env CartPole-v1 --num-envs 2048 --seconds 5"

# EnvPool: its best num_envs/num_threads on this machine (envpool_step.py searches a grid).
envpool_python=""
if [ "$only_ours" = 0 ]; then
    if envpool_python=$(bash Benchmarks/venv.sh envpool 2>/tmp/rllab-envpool-install.log) \
        && "$envpool_python" -c "import envpool" 2>>/tmp/rllab-envpool-install.log; then
        :
    else
        echo "envpool could not be installed (see /tmp/rllab-envpool-install.log): $(tail -1 /tmp/rllab-envpool-install.log)" >&2
        envpool_python=""
    fi
fi
row "CartPole-v1 vector, 2048 envs, $cores cores (vs EnvPool, best num_envs/num_threads)" "steps/s" 1 \
    "$rllab bench env --env CartPole-v1 --num-envs 2048 --threads $cores --steps 400000000" \
    "${envpool_python:+$envpool_python Benchmarks/envpool_step.py --env CartPole-v1 --seconds 2}"

# Value iteration on FrozenLake 8x8 (slippery), gamma 0.99, theta 1e-10: median solve time.
row "Value iteration FrozenLake8x8-v1, gamma 0.99 (vs numpy, dense matrix sweeps)" "ms" 0 \
    "$rllab bench solve --env FrozenLake8x8-v1 --gamma 0.99 --method value-iteration --repeats 50" \
    "$python Benchmarks/numpy_value_iteration.py --gamma 0.99 --repeats 50"
