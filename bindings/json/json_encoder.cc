// The shared JSON encoding: see json_encoder.h.
#include "bindings/json/json_encoder.h"

#include <cmath>

namespace saiki::json {

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

namespace {
template <typename T>
Json Optional(const std::optional<T>& v) {
  return v ? Json(*v) : Json(nullptr);
}
}  // namespace

Json SearchHitJson(const SearchHit& h, bool explain) {
  Json j;
  j["rank"] = h.rank;
  j["id"] = h.id;
  j["title"] = h.title;
  j["brand"] = h.brand;
  j["category"] = h.category;
  j["price"] = Optional(h.price);
  j["score"] = h.score;
  j["bm25f"] = h.bm25f;
  if (h.explored) j["explored"] = true;
  if (h.highlight) {
    j["highlight"] = {{"title", MarkedHtml(h.highlight->title)},
                      {"description", MarkedHtml(h.highlight->description)}};
  }
  if (explain) {
    Json e = Json::object();
    for (const auto& fs : h.explain) e[fs.field] = fs.score;
    j["explain"] = e;
    Json f = Json::array();
    for (const auto& fs : h.features) {
      f.push_back({{"feature", fs.feature},
                   {"value", fs.value},
                   {"global", fs.global},
                   {"personal", fs.personal}});
    }
    j["features"] = f;
  }
  return j;
}

std::string MarkedHtml(const HighlightedText& h) {
  std::string out;
  out.reserve(h.text.size() + h.marks.size() * 13);
  auto escape = [&](size_t from, size_t to) {
    for (size_t i = from; i < to && i < h.text.size(); ++i) {
      char c = h.text[i];
      switch (c) {
        case '&':
          out += "&amp;";
          break;
        case '<':
          out += "&lt;";
          break;
        case '>':
          out += "&gt;";
          break;
        case '"':
          out += "&quot;";
          break;
        case '\'':
          out += "&#39;";
          break;
        default:
          out += c;
      }
    }
  };
  size_t at = 0;
  for (const auto& [begin, end] : h.marks) {
    if (begin < at || end <= begin || end > h.text.size()) continue;  // not as documented
    escape(at, begin);
    out += "<mark>";
    escape(begin, end);
    out += "</mark>";
    at = end;
  }
  escape(at, h.text.size());
  return out;
}

Json FacetsJson(const std::vector<FacetCounts>& facets) {
  Json j = Json::object();
  for (const FacetCounts& f : facets) {
    Json values = Json::array();
    if (f.field == FacetField::kPrice) {
      for (const PriceBucket& b : f.buckets) {
        values.push_back({{"from", b.from},
                          {"to", std::isfinite(b.to) ? Json(b.to) : Json(nullptr)},
                          {"count", b.count}});
      }
    } else {
      for (const FacetValue& v : f.values)
        values.push_back({{"value", v.value}, {"count", v.count}});
    }
    j[FacetFieldName(f.field)] = values;
  }
  return j;
}

Json SearchResponseJson(const SearchResponse& r, bool explain) {
  Json j;
  j["query_id"] = Optional(r.query_id);
  j["took_ms"] = r.took_ms;
  j["total"] = r.total;
  j["total_relation"] = r.total_at_least ? "gte" : "eq";
  j["partial"] = r.partial;
  j["ranker"] = r.ranker;
  j["global_version"] = r.global_version;
  j["user_version"] = r.user_version;
  j["gate"] = r.gate;
  j["interleaved"] = r.interleaved;
  if (!r.notice.empty()) j["notice"] = r.notice;
  if (!r.typos.empty()) {
    Json typos = Json::array();
    for (const auto& t : r.typos) typos.push_back({{"term", t.term}, {"corrections", t.corrections}});
    j["typos"] = typos;
  }
  if (!r.did_you_mean.empty()) j["did_you_mean"] = r.did_you_mean;
  if (!r.facets.empty()) j["facets"] = FacetsJson(r.facets);
  Json results = Json::array();
  for (const auto& h : r.hits) results.push_back(SearchHitJson(h, explain));
  j["results"] = results;
  return j;
}

Json SuggestResponseJson(const std::string& prefix, const SuggestResponse& r) {
  Json list = Json::array();
  for (const auto& sg : r.suggestions) {
    list.push_back({{"text", sg.text}, {"score", sg.score},
                    {"source", SuggestionSourceName(sg.source)}});
  }
  return Json{{"prefix", prefix}, {"took_ms", r.took_ms}, {"suggestions", list}};
}

Json ProductJson(const Product& p) {
  Json j;
  j["id"] = p.id;
  j["title"] = p.title;
  j["description"] = p.description;
  j["brand"] = p.brand;
  j["category"] = p.category;
  j["price"] = Optional(p.price);
  j["rating"] = Optional(p.rating);
  j["review_count"] = Optional(p.review_count);
  j["tags"] = p.tags;
  Json attrs = Json::object();
  for (const auto& [key, v] : p.attributes) attrs[key] = v;
  j["attributes"] = attrs;
  return j;
}

Json StatsJson(const Stats& s) {
  Json j;
  j["schema_version"] = s.schema_version;
  j["products"] = s.products;
  j["segments"] = s.segments;
  j["posting_lists"] = s.terms;
  j["postings_bytes"] = s.postings_bytes;
  j["deleted_pending_merge"] = s.deleted_pending;
  j["file_bytes"] = s.file_bytes;
  return j;
}

Json EvidenceJson(const PooledEvidence& e) {
  Json j;
  j["sessions"] = e.sessions;
  j["users"] = e.users;
  j["clipped_users"] = e.clipped_users;
  j["capped_clicks"] = e.capped_clicks;
  j["screened_sessions"] = e.screened_sessions;
  j["heldout_units"] = e.heldout_units;
  j["heldout_impressions"] = e.heldout_impressions;
  j["active_estimate"] = e.active_estimate;
  j["candidate_estimate"] = e.candidate_estimate;
  j["lower_bound"] = e.lower_bound;
  j["influence_bound"] = e.influence_bound;
  return j;
}

Json UpdateJson(const UpdateReport& u) {
  Json j;
  j["outcome"] = UpdateOutcomeName(u.outcome);
  if (!u.reason.empty()) j["reason"] = u.reason;
  if (u.version) j["version"] = u.version;
  return j;
}

Json SessionJson(const SessionReport& r) {
  Json j;
  j["session_id"] = r.session_id;
  j["user"] = r.user;
  j["impressions"] = r.impressions;
  j["clicks"] = r.clicks;
  j["pairs"] = r.pairs;
  j["pooled"] = r.pooled;
  if (!r.not_pooled_reason.empty()) j["not_pooled_reason"] = r.not_pooled_reason;
  j["personal"] = UpdateJson(r.personal);
  j["global"] = UpdateJson(r.global);
  if (r.global_evidence) j["global"]["evidence"] = EvidenceJson(*r.global_evidence);
  j["global_version"] = r.global_version;
  j["user_version"] = r.user_version;
  j["loss_before"] = r.loss_before;
  j["loss_after"] = r.loss_after;
  std::string interleaving = InterleavingOutcomeName(r.interleaving);
  if (r.interleaving == InterleavingOutcome::kRolledBack) {
    interleaving += " to version " + std::to_string(r.rolled_back_to);
  }
  j["interleaving"] = interleaving;
  return j;
}

Json PooledJson(const PooledReport& r) {
  Json j;
  j["ran"] = r.ran;
  if (r.ran) j["seq"] = r.seq;
  j["epoch"] = r.epoch;
  j["propensities_estimated"] = r.propensities_estimated;
  j["global"] = UpdateJson(r.global);
  if (r.global_evidence) j["global"]["evidence"] = EvidenceJson(*r.global_evidence);
  j["global_version"] = r.global_version;
  return j;
}

Json VersionJson(const ModelVersion& v) {
  Json j;
  j["version"] = v.version;
  j["scope"] = ModelScopeName(v.scope);
  if (!v.user.empty()) j["user"] = v.user;
  j["kind"] = ModelKindName(v.kind);
  j["parent"] = v.parent;
  j["session_id"] = v.session_id;
  j["created_at"] = v.created_at;
  if (v.scope == ModelScope::kUser) {
    j["loss_before"] = v.loss_before;
    j["loss_after"] = v.loss_after;
    j["replay_before"] = v.metric_before;
    j["replay_after"] = v.metric_after;
  } else if (v.evidence) {
    j["estimate_active"] = v.metric_before;
    j["estimate_candidate"] = v.metric_after;
  }
  j["status"] = ModelStatusName(v.status);
  if (v.forced) j["forced"] = true;
  if (!v.reason.empty()) j["reason"] = v.reason;
  if (v.evidence) j["evidence"] = EvidenceJson(*v.evidence);
  return j;
}

Json ModelJson(const ModelInfo& m, const std::string& user) {
  Json j;
  j["learn_mode"] = m.learn_mode;
  j["global"] = VersionJson(m.global);
  j["global_learning_rate"] = m.global_learning_rate;
  j["pooled_evidence"] = {{"sessions", m.pending_sessions},
                          {"users", m.pending_users},
                          {"needed_sessions", m.needed_sessions},
                          {"needed_users", m.needed_users}};
  if (!user.empty()) {
    j["user"] = user;
    j["personal"] = m.personal ? VersionJson(*m.personal) : Json(nullptr);
    j["user_learning_rate"] = m.user_learning_rate;
    j["interleaving"] = {{"champion_version", m.champion_version},
                         {"sessions_left", m.interleave_sessions_left},
                         {"wins_new", m.wins_new},
                         {"wins_old", m.wins_old},
                         {"ties", m.ties}};
  }
  Json w = Json::array();
  for (const auto& x : m.weights) {
    Json e = {{"feature", x.feature}, {"global", x.global}, {"mean", x.mean}, {"scale", x.scale}};
    if (!user.empty()) e["personal"] = x.personal;
    w.push_back(e);
  }
  j["weights"] = w;
  j["propensities"] = m.propensities;
  return j;
}

Json ModelImportJson(const ModelImportReport& r) {
  Json j;
  j["version"] = r.version;
  j["kind"] = ModelKindName(ModelKind::kTrees);  // ImportModel takes tree ensembles only
  j["status"] = ModelStatusName(r.status);
  j["forced"] = r.forced;
  j["reason"] = r.reason;
  if (r.evidence) j["evidence"] = EvidenceJson(*r.evidence);
  return j;
}

Json ForgetJson(const ForgetReport& r) {
  Json j;
  j["rows_deleted"] = r.rows_deleted;
  j["entries_replayed"] = r.entries_replayed;
  j["versions_rederived"] = r.versions_rederived;
  j["notes"] = r.notes;
  return j;
}

}  // namespace saiki::json
