# Weft: the two commands users run are `make demo` and `make test`.
MVNW := ./mvnw -B -ntp
SHELL := /bin/bash

.PHONY: build test demo bench clean

build: ## compile and package every module (agent fast-jar in agent/target/quarkus-app)
	$(MVNW) -DskipTests package

test: ## every test: unit, real etcd, network-namespace end-to-end (needs root for the lab tests)
	$(MVNW) verify

demo: build ## a three-host overlay in network namespaces with a real etcd; DEMO_KEEP=1 keeps it up
	./scripts/demo.sh

bench: build ## iperf3 and ping through host routes, kernel VXLAN and Weft's UDP, VXLAN and host-gw backends
	./scripts/bench.sh

clean:
	$(MVNW) -q clean
