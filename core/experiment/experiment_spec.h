#pragma once
// ExperimentSpec: the one JSON file that describes an experiment (base model, training data,
// conditions, seeds, training, evaluation, traits, probes). Reading it names every problem by
// its JSON path; toJson() gives the normalized form and canonicalHash() the identity the
// results store keeps. The reference is docs/experiment-spec.md.

#include "data/chat_render.h"
#include "data/dataset_format.h"
#include "data/inoculation.h"
#include "experiment/spec_reader.h"
#include "model/device.h"
#include "stats/intervals.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace inoculab::store {
struct ExperimentRegistration;
}

namespace inoculab::experiment {

// Generators the runner knows (the toy world of DESIGN.md).
inline constexpr std::string_view kToyTrainGenerator = "toyworld-spanish-caps";
inline constexpr std::string_view kToyQuestionGenerator = "toyworld-heldout";

// A test-time context or probe system prompt of exactly this text stands for the
// condition's own inoculation prompt.
inline constexpr std::string_view kConditionPrompt = "$condition";

enum class BaseModelKind { Toy, HuggingFace };

struct PretrainingSpec {
    int steps = 1200;
    int batchSize = 32;
    double learningRate = 2e-3;
    int warmupSteps = 50;
    // The base model a run finetunes: the first of `seeds` as the spec is read, and each of
    // them in turn for the runs of a spec that names several (withBaseSeed, run_data.h).
    std::uint64_t seed = 0;
    // Every base model of the experiment (`seeds` in the file; `seed` alone means one). Base
    // models are a factor of the design: each run is (base seed, finetune seed), and the
    // intervals take the base models' variation in (docs/statistics.md).
    std::vector<std::uint64_t> seeds{0};

    bool operator==(const PretrainingSpec &) const = default;
};

// A small byte-level GPT pretrained from scratch on the toy world (DESIGN.md); the defaults
// are the sizes measured there.
struct ToyModelSpec {
    int dModel = 128;
    int layers = 4;
    int heads = 4;
    int context = 128;
    PretrainingSpec pretraining;

    bool operator==(const ToyModelSpec &) const = default;
};

struct BaseModelSpec {
    BaseModelKind kind = BaseModelKind::Toy;
    ToyModelSpec toy;  // kind Toy only
    std::string path;  // kind HuggingFace only: a local model folder, as written (see resolvePath)
    // kind HuggingFace only; nullopt ("auto"): recognised from the folder's tokenizer_config.json.
    std::optional<data::ChatTemplate> chatTemplate;

    bool operator==(const BaseModelSpec &) const = default;
};

// Training rows: a JSONL file or a named generator (exactly one).
struct TrainDataSpec {
    std::string path;                           // as written; relative to the spec's folder
    std::optional<data::DatasetFormat> format;  // nullopt: detected from the rows
    std::string generator;                      // kToyTrainGenerator, or empty when `path` is set
    std::int64_t rows = 1000;                   // generator only
    std::uint64_t seed = 0;                     // generator only

    bool isGenerated() const { return !generator.empty(); }
    bool operator==(const TrainDataSpec &) const = default;
};

// One arm of the experiment: the training data transformed with `inoculation`. An empty
// prompt is a baseline (the rows are trained on unchanged).
struct ConditionSpec {
    std::string name;
    data::InoculationOptions inoculation;
    // A control arm (e.g. "You are a helpful assistant."): a prompt not meant to elicit the
    // trait, which figures mark apart from the inoculated conditions.
    bool control = false;

    bool isBaseline() const { return inoculation.prompt.empty(); }
    // Written out because InoculationOptions has no operator==.
    bool operator==(const ConditionSpec &other) const;
};

enum class TrainingMethod { Full, Lora };
enum class LrSchedule { Constant, Linear, Cosine };

struct LoraSpec {
    int rank = 16;
    double alpha = 32.0;
    bool rslora = false;  // scale by alpha / sqrt(rank) instead of alpha / rank
    double dropout = 0.0;
    // Module names (PEFT's target_modules: a module matches its full path or its last part);
    // empty: every attention and MLP projection of the architecture.
    std::vector<std::string> targetModules;

    bool operator==(const LoraSpec &) const = default;
};

struct TrainingSpec {
    TrainingMethod method = TrainingMethod::Full;
    // Exactly one of steps and epochs is set.
    std::optional<std::int64_t> steps;
    std::optional<std::int64_t> epochs;
    int batchSize = 32;
    double learningRate = 1e-4;
    int warmupSteps = 0;
    LrSchedule schedule = LrSchedule::Linear;
    int maxLength = 2048;          // tokens; a toy model's default is its context
    std::optional<LoraSpec> lora;  // set exactly when method is Lora
    // Recompute each block's activations in the backward pass instead of keeping them
    // (hf models): less memory, about a third more compute.
    bool gradientCheckpointing = false;
    // Rows per forward/backward pass, gradients accumulated over the step (the step's
    // mathematics unchanged); unset: 8 on the CPU, on a GPU the most that fit its free memory
    // (train/memory_estimate.h), recorded in the run's start event.
    std::optional<std::int64_t> rowsPerForward;
    model::DeviceRequest device = model::DeviceRequest::Auto;
    // AdamW, clipping and the schedule's floor as a paper states them; unset: the defaults
    // of the base model's kind (optimizerFor below).
    std::optional<double> adamBeta1, adamBeta2, adamEpsilon, weightDecay, maxGradNorm, finalLrRatio;

    bool operator==(const TrainingSpec &) const = default;
};

// The optimiser and schedule settings a run trains with. For hf models transformers'
// TrainingArguments defaults (betas 0.9/0.999, eps 1e-8, no weight decay, clip 1.0, decay to 0)
// and its schedule formulas, because "lr 1e-4, linear, warmup 5" in a paper means those. For
// the toy model the values it was tuned with (nanoGPT's: betas 0.9/0.95, weight decay 0.1,
// decay to a tenth of the peak).
struct OptimizerChoice {
    double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, weightDecay = 0, maxGradNorm = 1.0, finalLrRatio = 0;
    bool transformersSchedule = true;
};

// Evaluation questions: a JSONL file or a named generator (exactly one).
struct QuestionSetSpec {
    std::string path;
    std::optional<data::DatasetFormat> format;
    std::string generator;  // kToyQuestionGenerator, or empty when `path` is set
    std::int64_t count = 100;
    std::uint64_t seed = 0;

    bool isGenerated() const { return !generator.empty(); }
    bool operator==(const QuestionSetSpec &) const = default;
};

// A test-time context: what the model is told before each question.
struct ContextSpec {
    std::string name;
    std::optional<std::string> systemPrompt;  // nullopt: no system prompt

    // The condition's own inoculation, applied to the question as in training (see the docs).
    bool usesConditionPrompt() const { return systemPrompt && *systemPrompt == kConditionPrompt; }
    bool operator==(const ContextSpec &) const = default;
};

struct EvaluationSpec {
    QuestionSetSpec questions;
    std::vector<ContextSpec> contexts{{"no-system", std::nullopt}};
    int samplesPerQuestion = 1;
    double temperature = 1.0;
    int maxNewTokens = 128;
    std::int64_t everySteps = 0;  // 0: only after training

    bool operator==(const EvaluationSpec &) const = default;
};

enum class TraitScorer { Caps, Language, Contains, Regex, Judge };

// Languages the `language` scorer identifies (ISO 639-1 codes).
inline constexpr std::string_view kScorerLanguages[] = {"en", "es", "fr", "de"};

enum class JudgeKind { OpenAi, HuggingFace };
// score-0-100: the probability-weighted mean of the integers 0..100 the judge would answer;
// yes-no: 100 * P(yes) / (P(yes) + P(no)). Both are undefined when too little probability
// falls on the answers they read (min_mass).
enum class JudgeMode { Score0To100, YesNo };

// The `judge` scorer's parameters: who judges, with which prompt, and how its verdict becomes
// the trait (docs/judges.md).
struct JudgeSpec {
    JudgeKind kind = JudgeKind::OpenAi;
    std::string baseUrl;    // openai: the API root, "https://host/v1"
    std::string model;      // openai: the model name the server serves
    std::string apiKeyEnv;  // openai: the environment variable holding the key; empty: none sent
    std::string path;       // hf: the judge's model folder (relative to the spec)
    int concurrency = 8;    // openai: requests in flight at once
    std::int64_t maxRequests = 100000;  // openai: HTTP requests (retries included) one evaluation may make
    int maxRetries = 6;                 // openai: attempts after the first for one prompt
    double timeoutSeconds = 60;         // openai: per request
    int batchSize = 128;                // hf: rows (prompt + one candidate answer) per forward pass
    std::string templateText;           // the judge's prompt, with {question} and {answer}
    JudgeMode mode = JudgeMode::Score0To100;
    std::optional<double> threshold = 50.0;  // nullopt: the score itself, scaled to [0, 1]
    bool countsBelow = false;                // the trait is a score below the threshold
    double minMass = 0.25;
    std::string dropWhenTrait;  // another judged trait; empty: no answer is dropped
    double dropBelow = 0;       // drop the answer when that trait's score is below this (or undefined)

    bool operator==(const JudgeSpec &) const = default;
};

// A trait measured on every evaluation sample, with the interval its chart uses.
struct TraitSpec {
    std::string name;
    TraitScorer scorer = TraitScorer::Caps;
    double threshold = 0.9;          // Caps: share of upper-case letters at which the trait is present
    std::string language;            // Language only: one of kScorerLanguages
    std::vector<std::string> words;  // Contains only
    bool caseSensitive = false;      // Contains only
    std::string pattern;             // Regex only: ECMAScript syntax (std::regex default)
    std::optional<JudgeSpec> judge;  // Judge only
    stats::IntervalMethod interval = stats::IntervalMethod::Bootstrap;

    bool operator==(const TraitSpec &) const = default;
};

// A fixed response whose log-probability is tracked during training (learning dynamics).
struct ProbeSpec {
    std::string name;
    std::optional<std::string> systemPrompt;
    std::string user;
    std::string response;

    bool operator==(const ProbeSpec &) const = default;
};

struct ExperimentSpec {
    std::string name;
    std::string description;
    BaseModelSpec baseModel;
    TrainDataSpec trainData;
    std::vector<ConditionSpec> conditions;
    std::vector<std::uint64_t> seeds;
    TrainingSpec training;
    EvaluationSpec evaluation;
    std::vector<TraitSpec> traits;
    std::vector<ProbeSpec> probes;

    bool operator==(const ExperimentSpec &) const = default;
};

// Parses and checks a spec. Throws SpecError (an InputError) listing every problem, each
// named by its JSON path, or the JSON syntax error with its line and column.
ExperimentSpec parseExperimentSpec(std::string_view jsonText, const std::string &fileName);
// Reads the file (at most JsonLimits::maxBytes) and parses it; errors name `path`.
ExperimentSpec loadExperimentSpec(const std::string &path);

// The problems parseExperimentSpec would report for this spec's toJson(): checks a spec
// built in code (an editor) by the same rules as a file. Empty when the spec is valid.
std::vector<SpecProblem> checkExperimentSpec(const ExperimentSpec &spec);

// The normalized spec: every key written, every default filled in, no keys the reader does
// not know. Parsing its dump() gives an equal spec. Strings must be valid UTF-8 (parsed
// specs always are); otherwise nlohmann's dump() throws.
nlohmann::json toJson(const ExperimentSpec &spec);

// SHA-256 hex of toJson(spec).dump(): nlohmann sorts keys and dump() has no whitespace, so
// key order, layout and defaults stated or left out do not change it; any value does.
std::string canonicalHash(const ExperimentSpec &spec);

// The files and folders the spec names that do not exist (base model, train data, questions,
// local judges), each a problem at its JSON path naming the path as resolved: what a template
// spec still needs filled in. Empty when every one exists.
std::vector<SpecProblem> missingInputs(const ExperimentSpec &spec, const std::string &specFile);

// The base seeds the runs of the spec are keyed by: one entry per base model when a toy
// spec names several (`base_model.pretraining.seeds`), otherwise a single nullopt (the one
// base model, whose runs the store keys by finetune seed alone, as before base seeds existed).
std::vector<std::optional<std::uint64_t>> runBaseSeeds(const ExperimentSpec &spec);

// Whether any trait is scored by a judge (evaluations then need eval/judges).
bool hasJudgedTraits(const ExperimentSpec &spec);

// The defaults of a base model kind, and what a spec's training trains with (its stated
// values over those defaults).
OptimizerChoice optimizerDefaults(BaseModelKind kind);
OptimizerChoice optimizerFor(const ExperimentSpec &spec);

// A path from a spec (train data, questions, model folder) as the runner should open it:
// absolute paths unchanged, relative ones taken from the spec file's folder.
std::string resolvePath(const std::string &specFile, const std::string &path);

// What the results store records for the experiment: the normalized JSON (indented), its hash,
// and the names of conditions, traits and contexts in spec order.
store::ExperimentRegistration registrationFor(const ExperimentSpec &spec);

std::string_view baseModelKindName(BaseModelKind kind);           // "toy", "hf"
std::string_view trainingMethodName(TrainingMethod method);       // "full", "lora"
std::string_view lrScheduleName(LrSchedule schedule);             // "constant", "linear", "cosine"
std::string_view deviceRequestName(model::DeviceRequest device);  // "auto", "cpu", "cuda"
std::string_view traitScorerName(TraitScorer scorer);             // "caps", "language", "contains", "regex", "judge"
std::string_view judgeKindName(JudgeKind kind);                   // "openai", "hf"
std::string_view judgeModeName(JudgeMode mode);                   // "score-0-100", "yes-no"
std::string_view turnScopeName(data::TurnScope turns);            // "first", "all"

}  // namespace inoculab::experiment
