# RLLab: `make demo` runs the main job, `make test` passes the tests.
# Both install the system packages they need when missing (apt-get, as root).

SWIFT ?= swift
SYSTEM_PACKAGES := libgsl-dev libopenblas-dev pkg-config dataset-fashion-mnist libpng-dev libgif-dev slurmctld slurmd slurm-client munge
RELEASE_BIN := .build/release/rllab

.PHONY: setup build release test demo bench fuzz clean

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

# libFuzzer targets, one per parser (Fuzz/), built with -sanitize=fuzzer in their own
# scratch folder (.build-fuzz; RLLAB_FUZZ=1 adds them to the package), each run for
# FUZZ_SECONDS from the committed seed corpora. New inputs go to .build-fuzz/corpus/TARGET,
# crashes to .build-fuzz/findings/TARGET/; a crash fails the target.
FUZZ_SECONDS ?= 60
FUZZ_BUILD := RLLAB_FUZZ=1 $(SWIFT) build -c release --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer
FUZZ_SEEDS_FuzzGridMap := Tests/GymTests/Fixtures/corpus/grid envs
FUZZ_SEEDS_FuzzTabularMDP := Tests/GymTests/Fixtures/corpus/mdp Fuzz/corpus/mdp-json envs
FUZZ_SEEDS_FuzzAgentConfig := Fuzz/corpus/agent-config agents
FUZZ_SEEDS_FuzzSafeTensors := Tests/LabCoreTests/Fixtures/corpus/safetensors Fuzz/corpus/safetensors
FUZZ_SEEDS_FuzzIDX := Tests/LabCoreTests/Fixtures/corpus/idx
FUZZ_TARGETS := FuzzGridMap FuzzTabularMDP FuzzAgentConfig FuzzSafeTensors FuzzIDX

fuzz: setup
	@for t in $(FUZZ_TARGETS); do $(FUZZ_BUILD) --product $$t || exit 1; done
	@status=0; for t in $(FUZZ_TARGETS); do \
	  case $$t in \
	    FuzzGridMap) seeds="$(FUZZ_SEEDS_FuzzGridMap)";; FuzzTabularMDP) seeds="$(FUZZ_SEEDS_FuzzTabularMDP)";; \
	    FuzzAgentConfig) seeds="$(FUZZ_SEEDS_FuzzAgentConfig)";; FuzzSafeTensors) seeds="$(FUZZ_SEEDS_FuzzSafeTensors)";; \
	    FuzzIDX) seeds="$(FUZZ_SEEDS_FuzzIDX)";; esac; \
	  mkdir -p .build-fuzz/corpus/$$t .build-fuzz/findings/$$t; \
	  echo "== $$t ($(FUZZ_SECONDS) s)"; \
	  SWIFT_BACKTRACE=enable=no .build-fuzz/release/$$t -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 -max_len=65536 -print_final_stats=1 \
	    -artifact_prefix=.build-fuzz/findings/$$t/ .build-fuzz/corpus/$$t $$seeds > .build-fuzz/findings/$$t/fuzz.log 2>&1; \
	  rc=$$?; grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb|SUMMARY|Test unit written)" .build-fuzz/findings/$$t/fuzz.log; \
	  [ $$rc -eq 0 ] || { echo "$$t: FOUND A CRASH (.build-fuzz/findings/$$t/, log fuzz.log)"; status=1; }; \
	done; exit $$status

clean:
	rm -rf .build .build-fuzz
