# RLLab: `make demo` runs the main job, `make test` passes the tests.
# Both install the system packages they need when missing (apt-get, as root).

SWIFT ?= swift
SYSTEM_PACKAGES := libgsl-dev libopenblas-dev pkg-config dataset-fashion-mnist libpng-dev
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

demo: release
	$(RELEASE_BIN) envs
	$(RELEASE_BIN) rollout --env CartPole-v1 --policy random --steps 500 --seed 0 --summary
	$(RELEASE_BIN) rollout --env FrozenLake-v1 --policy random --steps 100 --seed 0 --summary

bench: release
	bash Benchmarks/run.sh

clean:
	rm -rf .build
