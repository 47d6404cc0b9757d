#!/usr/bin/env python3
"""Writes N distinct, valid driving licences as JSONL (one licence per line),
for batch-issuance figures and the crash test.

usage: gen_driving_licences.py N OUT.jsonl
"""
import json
import sys

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECKS = "10X98765432"  # GB 11643: check character by sum mod 11


def resident_id(n: int) -> str:
    year = 1950 + n % 50
    month = 1 + (n // 50) % 12
    day = 1 + (n // 600) % 28
    seq = (n // 16800) % 1000
    area = 110101 + (n // 16_800_000) % 20
    first17 = f"{area:06d}{year:04d}{month:02d}{day:02d}{seq:03d}"
    total = sum(int(c) * w for c, w in zip(first17, WEIGHTS))
    return first17 + CHECKS[total % 11]


def main() -> None:
    n, out = int(sys.argv[1]), sys.argv[2]
    given = "明华军伟芳娜敏静丽强磊洋艳勇杰涛超秀英"
    with open(out, "w", encoding="utf-8") as f:
        for i in range(n):
            number = resident_id(i)
            licence = {
                "type_code": "111000000000222224001",
                "number": number,
                "holder": {
                    "name": "王" + given[i % len(given)] + given[(i // len(given)) % len(given)],
                    "id_type": "resident_identity_card",
                    "id_number": number,
                },
                "issuer": {"name": "北京市公安局公安交通管理局", "code": "111100000000213452"},
                "issue_date": "2024-05-06",
                "valid_from": "2024-05-06",
                "valid_until": "2030-05-06",
                "face": [{"label": "准驾车型", "value": "C1"}],
            }
            f.write(json.dumps(licence, ensure_ascii=False, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
