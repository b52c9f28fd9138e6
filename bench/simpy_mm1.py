"""The M/M/1 of row (a) of `cargo bench --bench engine`, written the usual SimPy way.

A point of reference for BENCHMARKS.md, not part of any test or CI job: it needs SimPy
(`pip install simpy`), which the Rust workspace does not depend on.

Same model as row (a): Poisson arrivals at rate 0.9, exponential service at rate 1 (time
unit: one mean service time), one server, FIFO, 2M customers. An "event" is an arrival or a
departure, two per customer, as in the Rust rows, so the microseconds per event printed here
compare directly with the nanoseconds per event there.

Usage: python3 bench/simpy_mm1.py [--customers N] [--seed S]
"""

import argparse
import random
import sys
import time

import simpy

ARRIVAL_RATE = 0.9
SERVICE_RATE = 1.0


def source(env, server, customers, rng, totals):
    """Starts one customer process per arrival, `customers` in all."""
    for _ in range(customers):
        env.process(customer(env, server, rng, totals))
        yield env.timeout(rng.expovariate(ARRIVAL_RATE))


def customer(env, server, rng, totals):
    """Waits for the server, holds it for one service time, leaves."""
    arrived = env.now
    with server.request() as request:
        yield request
        totals["wait"] += env.now - arrived
        yield env.timeout(rng.expovariate(SERVICE_RATE))
    totals["served"] += 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    env = simpy.Environment()
    server = simpy.Resource(env, capacity=1)
    totals = {"wait": 0.0, "served": 0}
    env.process(source(env, server, args.customers, rng, totals))

    start = time.perf_counter()
    env.run()
    elapsed = time.perf_counter() - start

    served = totals["served"]
    if served != args.customers:
        sys.exit(f"served {served} of {args.customers} customers")
    wait_mean = totals["wait"] / served
    # Theory: Wq = rho / (mu - lambda) = 9 mean service times.
    if not 6.0 < wait_mean < 12.0:
        sys.exit(f"mean wait {wait_mean:.2f}, theory 9: this is not an M/M/1")
    events = 2 * served
    print(f"simpy {simpy.__version__}, python {sys.version.split()[0]}")
    print(f"customers: {served}, mean wait: {wait_mean:.3f} (theory 9)")
    print(f"wall time: {elapsed:.2f} s")
    print(f"{elapsed / events * 1e6:.3f} us/event ({elapsed / served * 1e6:.3f} us/customer)")


if __name__ == "__main__":
    main()
