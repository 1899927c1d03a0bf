#!/usr/bin/python3
"""An OpenAI-compatible chat-completions server for the judge tests, speaking the documented
response (choices[0].logprobs.content[0].top_logprobs), with the failures a real server has.

The model name in the request picks the behaviour:
  judge          a verdict read off the prompt: "SCORE=n" -> answers n (1/2), n+10 capped at 100
                 (1/4), " n" (1/8) and "maybe" (1/8); "YESNO" -> Yes 3/4, no 1/8, Maybe 1/8;
                 anything else -> "hello" only (no integer: an undefined score)
  flaky-429      each prompt's first request: 429 with Retry-After (--retry-after seconds)
  flaky-500      each prompt's first request: 500 without Retry-After
  slow           each prompt's first request sleeps --slow-seconds before answering
  unauthorized   401 with OpenAI's error body
  missing        404
  malformed      200 with a body that is not JSON
  no-logprobs    200 with choices[0].logprobs null
  always-500     500 every time
Then "judge"'s answer. GET /stats gives the counts; POST /reset zeroes them.
The port is printed on the first line of stdout.
"""
import argparse
import json
import math
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATS = {}


def reset():
    STATS.clear()
    STATS.update(requests=0, in_flight=0, max_in_flight=0, by_model={}, authorization=[], bodies=[])


reset()
SEEN = set()  # (model, prompt) pairs asked before


def verdict(prompt):
    m = re.search(r"SCORE=(\d+)", prompt)
    if m:
        n = int(m.group(1))
        return [(str(n), 0.5), (str(min(n + 10, 100)), 0.25), (" " + str(n), 0.125), ("maybe", 0.125)]
    if "YESNO" in prompt:
        return [("Yes", 0.75), ("no", 0.125), ("Maybe", 0.125)]
    return [("hello", 1.0)]


def completion(model, alternatives):
    top = [{"token": t, "logprob": math.log(p), "bytes": list(t.encode())} for t, p in alternatives]
    return {
        "id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": top[0]["token"]},
                     "logprobs": {"content": [{"token": top[0]["token"], "logprob": top[0]["logprob"],
                                               "bytes": top[0]["bytes"], "top_logprobs": top}]},
                     "finish_reason": "length"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in one write, as a production server sends them: two small writes
    # on a kept-alive connection meet Nagle's algorithm and the client's delayed ACK (40 ms).
    wbufsize = 1 << 16

    def log_message(self, *args):
        pass

    def send(self, status, body, headers=()):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/stats":
            with LOCK:
                self.send(200, STATS)
        else:
            self.send(404, {"error": {"message": "no such path"}})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        if self.path == "/reset":
            with LOCK:
                reset()
                SEEN.clear()
            self.send(200, {})
            return
        if not self.path.endswith("/v1/chat/completions"):
            self.send(404, {"error": {"message": "unknown path " + self.path}})
            return
        request = json.loads(raw)
        model = request["model"]
        prompt = request["messages"][0]["content"]
        with LOCK:
            STATS["requests"] += 1
            STATS["in_flight"] += 1
            STATS["max_in_flight"] = max(STATS["max_in_flight"], STATS["in_flight"])
            STATS["by_model"][model] = STATS["by_model"].get(model, 0) + 1
            auth = self.headers.get("Authorization", "")
            if auth not in STATS["authorization"]:
                STATS["authorization"].append(auth)
            STATS["bodies"].append({k: v for k, v in request.items() if k != "messages"})
            first = (model, prompt) not in SEEN
            SEEN.add((model, prompt))
        try:
            time.sleep(ARGS.delay_ms / 1000.0)
            if model == "flaky-429" and first:
                self.send(429, {"error": {"message": "rate limited"}}, [("Retry-After", str(ARGS.retry_after))])
            elif model == "flaky-500" and first:
                self.send(500, {"error": {"message": "internal"}})
            elif model == "slow" and first:
                time.sleep(ARGS.slow_seconds)
                self.send(200, completion(model, verdict(prompt)))
            elif model == "unauthorized":
                self.send(401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}})
            elif model == "missing":
                self.send(404, {"error": {"message": "The model `missing` does not exist"}})
            elif model == "malformed":
                self.send(200, b"{not json")
            elif model == "no-logprobs":
                body = completion(model, verdict(prompt))
                body["choices"][0]["logprobs"] = None
                self.send(200, body)
            elif model == "always-500":
                self.send(500, {"error": {"message": "down"}})
            else:
                self.send(200, completion(model, verdict(prompt)))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)
        finally:
            with LOCK:
                STATS["in_flight"] -= 1


parser = argparse.ArgumentParser()
parser.add_argument("--delay-ms", type=float, default=0)
parser.add_argument("--retry-after", type=float, default=1)
parser.add_argument("--slow-seconds", type=float, default=3)
ARGS = parser.parse_args()
# The listen backlog is 5 by default: an 8-connection client would have SYNs dropped and
# retransmitted a second later (TCP's initial timeout).
ThreadingHTTPServer.request_queue_size = 128
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
