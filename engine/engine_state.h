// The engine's in-memory state: what a call reads from memory rather than
// from the file (the docs table, settings, synonyms, the active global
// model), as an immutable snapshot of three parts.
//
// Contract: a part is built whole, aside, from one read of the file, and
// installed by replacing the pointer; nothing changes a part in place. A
// write installs the parts it changed only after its transaction committed,
// by reading them back, so the handle never serves (or logs) a model
// version, setting or product the file does not hold, even when the commit
// fails.
//
// Each part has a generation counter in table `meta` (gen_catalog,
// gen_config, gen_models), bumped in the transaction of every write that
// changes it. When another connection commits (PRAGMA data_version moves),
// only the parts whose generation moved are reloaded: a click or a session
// logged by another process does not reload the docs table.
#ifndef SAIKI_ENGINE_ENGINE_STATE_H_
#define SAIKI_ENGINE_ENGINE_STATE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/settings.h"
#include "index/doc_table.h"
#include "index/facets.h"
#include "ranker/features.h"
#include "ranker/linear_model.h"
#include "ranker/trees.h"

namespace saiki::engine {

// The parts of the state, as bits (a write names the parts it changed).
enum StatePart : unsigned {
  kCatalogPart = 1,  // products' docs table (segments, tombstones)
  kConfigPart = 2,   // settings and synonyms
  kModelsPart = 4,   // the active global model, position-bias estimates
  kAllParts = 7,
};

struct CatalogState {
  index::DocTable docs;
  // meta.gen_catalog of the file this state was read at.
  int64_t generation = 0;
  // Median price per leaf category. Read from the file with the docs
  // (meta.category_medians, written by every catalogue write) when they
  // were stored for this generation; otherwise (a file written by an older
  // saiki) computed on first use. Logically part of the immutable snapshot:
  // derived from `docs` only.
  const ranker::CategoryMedians& Medians() const {
    if (!medians_) medians_ = ranker::ComputeCategoryMedians(docs);
    return *medians_;
  }
  // Whether Medians() is known without computing it (stored, or computed
  // already).
  bool has_medians() const { return medians_.has_value(); }
  // Installs medians read from the file; only while the state is being
  // built, before it is shared.
  void SetMedians(ranker::CategoryMedians medians) { medians_ = std::move(medians); }
  // Dense facet ordinals, built on the first faceted search (README
  // "Facets"). Derived from `docs` only, as Medians.
  const index::FacetColumns& Facets() const {
    if (!facets_) facets_ = index::FacetColumns::Build(docs);
    return *facets_;
  }

 private:
  mutable std::optional<ranker::CategoryMedians> medians_;
  mutable std::optional<index::FacetColumns> facets_;
};

struct ConfigState {
  EngineSettings settings;
  // Normalized term -> every term of its synonym group.
  std::unordered_map<std::string, std::vector<std::string>> synonyms;
};

struct ModelState {
  // The active global version (0: the factory model, BM25F order).
  int64_t global_version = 0;
  // The linear global model: the active version, or, when that is a tree
  // model, its nearest linear ancestor (whose normalisation the personal
  // part uses).
  ranker::GlobalLinearModel global = ranker::GlobalLinearModel::Initial();
  int64_t linear_version = 0;
  // The active tree model when the active global version is one.
  std::shared_ptr<const ranker::TreeEnsemble> trees;
  // Examination probability by position (the prior until estimated).
  std::vector<double> propensities;
  bool propensities_estimated = false;
  // The journal position of the last epoch of pooled evidence: the
  // personalisation gates read the pooled clicks up to it, so that they
  // too change only on evidence from many users.
  int64_t gate_seq = 0;
};

struct Generations {
  int64_t catalog = 0, config = 0, models = 0;
};

struct EngineState {
  std::shared_ptr<const CatalogState> catalog;
  std::shared_ptr<const ConfigState> config;
  std::shared_ptr<const ModelState> models;
  Generations generations;
  int64_t data_version = -1;

  const index::DocTable& docs() const { return catalog->docs; }
  const EngineSettings& settings() const { return config->settings; }
};

}  // namespace saiki::engine

#endif  // SAIKI_ENGINE_ENGINE_STATE_H_
