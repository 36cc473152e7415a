# cloudmove.vcda: the two commands a fresh machine needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
ROOT := $(CURDIR)
COLLECTIONS := $(ROOT)/tests/output/collections
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_ROLES_PATH := $(ROOT)/roles
export ANSIBLE_FORCE_COLOR := 0
export ANSIBLE_NOCOLOR := 1
export PYTHONUNBUFFERED := 1

APT_PACKAGES := golang-go golang-github-vmware-govmomi-dev qemu-utils openssl git chromium chromium-driver
.PHONY: help deps apt-deps pip-deps collection lab-up lab-down ovas sanity lint units integration test demo reliability benchmark benchmark-migration benchmark-report clean

help:
	@echo "make demo       set up everything, start the lab, run the main job twice, stop the lab"
	@echo "make test       sanity + ansible-lint + unit + integration tests (what CI runs)"
	@echo "make benchmark  ovf_deploy upload speed and memory against community.vmware and curl"
	@echo "make benchmark-migration  50 VMs: vcda_migration_wave vs vcda_replication in a loop vs one VM"
	@echo "make benchmark-report  5,000 replications: the vcda_replication_info summary vs one GET per replication"

deps: apt-deps pip-deps collection

apt-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi

pip-deps:
	@$(PYTHON) -m pip install -q --disable-pip-version-check -r requirements-test.txt

collection:
	@mkdir -p $(COLLECTIONS)/ansible_collections/cloudmove
	@ln -sfn $(ROOT) $(COLLECTIONS)/ansible_collections/cloudmove/vcda

lab-up: deps
	@bash lab/vcsim.sh start provider
	@bash lab/vcsim.sh start tenant
	@if [ -x lab/emulators.sh ] || [ -f lab/emulators.sh ]; then bash lab/emulators.sh start; fi

lab-down:
	-@if [ -f lab/emulators.sh ]; then bash lab/emulators.sh stop; fi
	-@bash lab/vcsim.sh stop provider
	-@bash lab/vcsim.sh stop tenant

ovas: deps
	@$(PYTHON) lab/ova/make_ova.py --kind vcda --disks 64M --format ova --out lab/build/ova/vcda-lab.ova
	@$(PYTHON) lab/ova/make_ova.py --kind onprem --disks 64M --format ova --out lab/build/ova/vcda-onprem-lab.ova
	@$(PYTHON) lab/ova/make_ova.py --kind l2vpn-client --format ova --out lab/build/ova/l2vpn-client-lab.ova

sanity: deps
	@bash tests/sanity/run.sh

lint: deps
	@ansible-lint --profile production roles playbooks

units: deps
	@$(PYTHON) -m pytest -q tests/unit

integration: deps
	@$(PYTHON) -m pytest -q tests/integration

test: deps
	@rc=0; \
	bash tests/sanity/run.sh || rc=1; \
	ansible-lint --profile production roles playbooks || rc=1; \
	$(PYTHON) -m pytest -q tests/unit tests/integration || rc=1; \
	exit $$rc

# Faults, kill -9, bad input, secrets and check mode from reset against the lab (tests/reliability/run.py);
# writes docs/reliability.md from the figures. `run.py --bounded` is the short form.
reliability: deps ovas
	@rc=0; $(PYTHON) tests/reliability/run.py || rc=1; \
	$(PYTHON) tests/reliability/report.py; exit $$rc

demo: deps lab-up ovas
	@# The demo starts from freshly deployed appliances: forget what earlier runs or tests did to the emulators.
	@bash lab/emulators.sh reset >/dev/null
	@# The lab's inventory: the shape of playbooks/inventory/example/, with the running lab's values.
	@$(PYTHON) lab/inventory.py --out tests/output/inventory/lab >/dev/null
	@set -o pipefail; rc=0; \
	ansible-playbook -i tests/output/inventory/lab playbooks/demo.yml || rc=1; \
	if [ $$rc -eq 0 ]; then \
	  echo "=== re-run: nothing should change ==="; \
	  ansible-playbook -i tests/output/inventory/lab playbooks/demo.yml | tee tests/output/demo-rerun.log || rc=1; \
	  if grep -Eq ': ok=[0-9]+ +changed=[1-9]' tests/output/demo-rerun.log; then echo "re-run reported changes"; rc=1; \
	  else echo "=== re-run: changed=0 on every host ==="; fi; \
	fi; \
	$(MAKE) --no-print-directory lab-down; exit $$rc

benchmark: deps lab-up
	@$(PYTHON) benchmarks/ovf_upload/run.py

benchmark-migration: deps lab-up
	@$(PYTHON) benchmarks/migration_wave/run.py

benchmark-report: deps lab-up
	@$(PYTHON) benchmarks/replication_report/run.py

clean: lab-down
	rm -rf tests/output lab/build lab/run lab/state
