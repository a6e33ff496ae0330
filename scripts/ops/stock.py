"""`make stock [ARGS='SKU COUNT']`: every robot's stock, or the operator's restock of one.

    python -m scripts.ops.stock                  # every robot and its stock
    python -m scripts.ops.stock EPE 3            # EPE's stock is 3 from now on

Locally it writes the catalogue's MongoDB as the functions and the seed reach it
(MONGO_URL, DATA_NAMESPACE; `make run`'s by default). On a cluster the same runs in
the MongoDB pod, through `kubectl exec` and mongosh as the database's root user (its
password stays in the pod's environment; the operator needs the RBAC right to exec
there):

    python -m scripts.ops.stock --kubectl [--namespace roboshop] EPE 3

The catalogue reads stock live, so the shop shows a restock at once. A count is the
units there are to sell, not a change: set it after counting the shelf.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys

from scripts.ops import cluster

SKU = re.compile(r"[A-Za-z0-9._-]{1,64}")
MOST = 1_000_000_000
POD = "mongodb-0"
INT32 = 2**31 - 1


def count(text: str) -> int:
    if not re.fullmatch(r"[0-9]{1,10}", text) or int(text) > MOST:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 0 to {MOST}")
    return int(text)


def sku(text: str) -> str:
    if not SKU.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a sku")
    return text


class Local:
    """The catalogue's store on this machine, through the catalogue's own code."""

    def where(self) -> str:
        from catalogue import store
        from kit.stores import MongoSettings

        return f"{MongoSettings.current().mongo_url} ({store.collection().full_name})"

    def stock(self) -> dict[str, int]:
        from catalogue import store

        return store.stock()

    def set(self, product: str, instock: int) -> bool:
        from catalogue import store

        return store.set_stock(product, instock)


def mongosh_number(instock: int) -> str:
    # mongosh's bare numbers are doubles; the catalogue keeps whole numbers.
    return f"NumberInt({instock})" if instock <= INT32 else f'NumberLong("{instock}")'


class Kubectl:
    """The catalogue's store in a cluster's MongoDB pod, through mongosh there."""

    def __init__(self, namespace: str, database: str) -> None:
        self.namespace = namespace
        self.database = database

    def where(self) -> str:
        return f"{POD} in namespace {self.namespace} ({self.database}.products)"

    def command(self, script: str) -> list[str]:
        """The kubectl line that runs `script` in mongosh as root; the password is read by
        the pod's shell from its own environment, never passed from here."""
        login = (
            'exec mongosh --quiet --norc -u "$MONGO_INITDB_ROOT_USERNAME"'
            ' -p "$MONGO_INITDB_ROOT_PASSWORD" --authenticationDatabase admin --eval "$1"'
        )
        return [
            "kubectl",
            "-n",
            self.namespace,
            "exec",
            POD,
            "-c",
            "mongodb",
            "--",
            "sh",
            "-c",
            login,
            "mongosh",
            script,
        ]

    def list_script(self) -> str:
        return (
            f"db.getSiblingDB({json.dumps(self.database)}).products"
            ".find({}, {_id: 0, sku: 1, instock: 1}).sort({sku: 1})"
            ".forEach((p) => print(EJSON.stringify(p, {relaxed: true})))"
        )

    def set_script(self, product: str, instock: int) -> str:
        return (
            f"const r = db.getSiblingDB({json.dumps(self.database)}).products.updateOne("
            f"{{sku: {json.dumps(product)}}}, {{$set: {{instock: {mongosh_number(instock)}}}}});"
            " print(EJSON.stringify({matched: r.matchedCount}, {relaxed: true}))"
        )

    def run(self, script: str) -> list[dict[str, object]]:
        try:
            done = subprocess.run(self.command(script), capture_output=True, text=True)
        except FileNotFoundError:
            raise SystemExit("stock: kubectl is not installed") from None
        if done.returncode != 0:
            raise SystemExit(f"stock: kubectl exec failed: {done.stderr.strip()[:500]}")
        return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]

    def stock(self) -> dict[str, int]:
        found = self.run(self.list_script())
        return {str(p["sku"]): _whole(p.get("instock")) for p in found}

    def set(self, product: str, instock: int) -> bool:
        (answer,) = self.run(self.set_script(product, instock))
        return answer.get("matched") == 1


def _whole(value: object) -> int:
    # As the catalogue reads it: anything but a positive whole number is none to sell.
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.ops.stock",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("sku", nargs="?", type=sku, help="the robot to restock")
    parser.add_argument("count", nargs="?", type=count, help="its stock from now on")
    parser.add_argument(
        "--kubectl", action="store_true", help="on a cluster: through kubectl exec in mongodb-0"
    )
    parser.add_argument("--namespace", default=cluster.DEFAULT_NAMESPACE, help="with --kubectl")
    args = parser.parse_args(argv)
    if args.sku is not None and args.count is None:
        parser.error(f"say how many {args.sku} there are: stock {args.sku} COUNT")
    if args.kubectl:
        from kit import namespaced

        target: Local | Kubectl = Kubectl(args.namespace, namespaced("catalogue"))
    else:
        target = Local()
    if args.sku is not None:
        if not target.set(args.sku, args.count):
            print(f"stock: no robot {args.sku} in {target.where()}", file=sys.stderr)
            return 1
        print(f"{args.sku}: {args.count} in stock")
        return 0
    counts = target.stock()
    print(f"stock in {target.where()}:")
    for name, instock in sorted(counts.items()):
        print(f"  {name:10} {instock:>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
