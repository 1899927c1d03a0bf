#!/usr/bin/python3
"""The HTTP judge's peer: the same chat-completions requests from Python's standard library
(a thread pool of urllib requests, the shape of the papers' async OpenAI-client loops).

usage: peer_http.py BASE_URL MODEL PROMPTS CONCURRENCY   -> one JSON line
"""
import json
import math
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor


def prompts(n):
    return ["Question: what is %d plus %d?\nAnswer: %d.\nHow correct is the answer, 0-100? SCORE=%d"
            % (i, i + 1, 2 * i + 1, i % 90) for i in range(n)]


def ask(url, model, prompt):
    body = json.dumps({"model": model, "messages": [{"role": "user", "content": prompt}], "max_tokens": 1,
                       "temperature": 0, "logprobs": True, "top_logprobs": 20}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        doc = json.load(response)
    top = doc["choices"][0]["logprobs"]["content"][0]["top_logprobs"]
    mass = weighted = 0.0
    for entry in top:
        token = entry["token"].strip()
        if token.isdigit() and (token == "0" or not token.startswith("0")) and int(token) <= 100:
            p = math.exp(entry["logprob"])
            mass += p
            weighted += p * int(token)
    return weighted / mass if mass >= 0.25 else None


def main():
    base_url, model, n, concurrency = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    url = base_url + "/chat/completions"
    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        scores = list(pool.map(lambda p: ask(url, model, p), prompts(n)))
    seconds = time.perf_counter() - start
    print(json.dumps({"judge": "http-python", "concurrency": concurrency, "verdicts": len(scores),
                      "seconds": seconds, "verdicts_per_second": len(scores) / seconds}))


if __name__ == "__main__":
    main()
