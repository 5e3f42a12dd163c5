# RLLab: `make demo` runs the main job, `make test` passes the tests.
# Both install the system packages they need when missing (apt-get, as root).

SWIFT ?= swift
SYSTEM_PACKAGES := libgsl-dev libopenblas-dev pkg-config dataset-fashion-mnist libpng-dev libgif-dev slurmctld slurmd slurm-client munge
RELEASE_BIN := .build/release/rllab

.PHONY: setup build release test demo bench clean

# Installs missing Debian packages; as non-root prints the command to run instead.
setup:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  else \
	    echo "error: missing system packages:$$missing"; \
	    echo "run: sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release --product rllab

test: setup
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --parallel

# The main job: the agent comparison of issue 4 (3 seeds each, both cores), with tables,
# reward CSVs, SB3 Monitor files, charts and report.html under results/demo/.
demo: release
	$(RELEASE_BIN) compare --env CartPole-v1 --agents random,random-linear,naive-nn,q-learning,dqn,ppo,a2c \
	  --num-seeds 3 --overwrite --out results/demo/CartPole-v1
	$(RELEASE_BIN) compare --env FrozenLake-v1 --agents random,q-learning,value-iteration,policy-iteration \
	  --num-seeds 3 --overwrite --out results/demo/FrozenLake-v1

bench: release
	bash Benchmarks/run.sh

clean:
	rm -rf .build
