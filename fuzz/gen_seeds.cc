// Writes the seed corpus of the fuzz targets: fuzz/corpus/<target>/seed_*.
//
//   build-fuzz/gen_seeds fuzz/corpus
//
// The seeds are committed; this program is how they were made (and how to
// remake them after a format change). Binary seeds come from the library's
// own encoders, so they start the fuzzer on valid data: posting lists from
// PostingListWriter, docs blobs from EncodeDocs, models from ToJson. The
// first byte of some seeds is the target's mode byte (see each target).
#include <sys/stat.h>
#include <unicode/ucnv.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include "index/doc_table.h"
#include "index/postings.h"
#include "ranker/linear_model.h"

using namespace saiki;

namespace {

std::string g_root;

void Write(const std::string& target, const std::string& name, const std::string& bytes) {
  std::string dir = g_root + "/" + target;
  ::mkdir(g_root.c_str(), 0755);
  ::mkdir(dir.c_str(), 0755);
  std::ofstream out(dir + "/" + name, std::ios::binary | std::ios::trunc);
  out << bytes;
  std::printf("%s/%s (%zu bytes)\n", dir.c_str(), name.c_str(), bytes.size());
}

std::string ToCp932(const std::string& utf8) {
  UErrorCode error = U_ZERO_ERROR;
  std::string out(utf8.size() * 2 + 16, '\0');
  int32_t n = ucnv_convert("cp932", "utf-8", out.data(), static_cast<int32_t>(out.size()),
                           utf8.data(), static_cast<int32_t>(utf8.size()), &error);
  if (U_FAILURE(error)) {
    std::fprintf(stderr, "cp932: %s\n", u_errorName(error));
    std::exit(1);
  }
  out.resize(n);
  return out;
}

// A posting list of `ndocs` documents with a few positions each.
std::string PostingList(uint32_t first, uint32_t ndocs, uint32_t gap) {
  index::PostingListWriter w;
  std::array<std::vector<uint32_t>, index::kNumFields> pos;
  for (uint32_t i = 0; i < ndocs; ++i) {
    for (auto& p : pos) p.clear();
    pos[index::kTitle] = {i % 5, i % 5 + 2};
    if (i % 3 == 0) pos[index::kDescription] = {1, 4, 9};
    if (i % 7 == 0) pos[index::kBrand] = {0};
    std::array<std::span<const uint32_t>, index::kNumFields> spans;
    for (int f = 0; f < index::kNumFields; ++f) spans[f] = pos[f];
    index::FieldLengths len = {12, 1, 3, 2, 40};
    w.AddDoc(first + i * gap, spans, len);
  }
  return w.Finish();
}

std::vector<index::DocInfo> SeedDocs(uint32_t first, uint32_t ndocs, uint32_t gap) {
  std::vector<index::DocInfo> docs;
  for (uint32_t i = 0; i < ndocs; ++i) {
    index::DocInfo d;
    d.docid = first + i * gap;
    d.lengths = {12, 1, 3, 2, 40};
    d.price = 100.0f + i;
    d.id_hash = index::StableHash("p" + std::to_string(i));
    d.brand = index::StableHash("brand");
    d.rating = 4.5f;
    d.reviews = i;
    docs.push_back(d);
  }
  return docs;
}

// A single-blob format (3 or 2).
std::string Docs(uint32_t first, uint32_t ndocs, uint32_t gap = 1, uint8_t format = 3) {
  return index::EncodeDocs(SeedDocs(first, ndocs, gap), format);
}

}  // namespace

int main(int argc, char** argv) {
  g_root = argc > 1 ? argv[1] : "fuzz/corpus";

  // fuzz_csv_reader: byte 0 is the mode (bits 0-1 encoding, 2-3 delimiter).
  const std::string csv =
      "id,title,description,brand,category,price,rating,review_count,tags\n"
      "d1,【送料無料】子犬用 ふわふわベッド,\"小型犬に, \"\"人気\"\"\",ペティオ,"
      "ペット用品>犬用品>ベッド,\"1,980\",4.5,120,送料無料|ギフト\n"
      "d2,\"改行\nあり\",,ドギーマン,ペット用品>犬用品>おやつ,580円,,30,\r\n"
      "d3,ＤＯＧ ｲﾇ用 首輪 SKU-123,,Nordwave,ペット用品>犬用品>首輪,¥1200,3.9,12,\n";
  Write("fuzz_csv_reader", "seed_utf8.csv", std::string(1, '\x00') + csv);
  Write("fuzz_csv_reader", "seed_bom_tab.csv",
        std::string(1, '\x04') + "\xEF\xBB\xBF" + "id\ttitle\nx1\t犬\n");
  Write("fuzz_csv_reader", "seed_cp932.csv", std::string(1, '\x01') + ToCp932(csv));
  Write("fuzz_csv_reader", "seed_cp932_bad.csv",
        std::string(1, '\x01') + ToCp932("id,title\nb1,ソース\n") + "b2,\x81\n");
  Write("fuzz_csv_reader", "seed_small_limits.csv",
        std::string(1, '\x10') + std::string(1, '\x0a') + "id,title\nlong,abcdefghijklmnopqrstuvwxyz\n");
  Write("fuzz_csv_reader", "seed_pad.csv",
        std::string(1, '\xA0') + std::string(1, '\x03') + "\"quoted across\nthe refill\",x\n");

  // fuzz_analyzer: byte 0 picks the first position.
  for (const auto& [name, text] : std::vector<std::pair<std::string, std::string>>{
           {"seed_ja.txt", "【送料無料】子犬用 ふわふわベッド 2.5kg SKU-123 ｺｰﾋｰ サーバー"},
           {"seed_width.txt", "ＤＯＧ ｲﾇ いぬ ddr4-3200 1,980円 3月 京都 東京都 セット-A"},
           {"seed_mixed.txt", "café4kg type-c 〜新発売～ 3〜5 々 ヶ 〆 ﾊﾟﾝ\xE2\x80\x94"}}) {
    Write("fuzz_analyzer", name, std::string(1, '\x00') + text);
  }

  // fuzz_query_parser: the text itself.
  Write("fuzz_query_parser", "seed_terms.txt", "犬 ベッド -猫 \"ドッグ フード\"");
  Write("fuzz_query_parser", "seed_filters.txt",
        "brand:\"Barkley & Co.\" category:ペット用品>犬用品 price:1000..5000 price:..3000");
  Write("fuzz_query_parser", "seed_fullwidth.txt", "ＢＲＡＮＤ：ﾍﾟﾃｨｵ　price:500.. -\"キャット");

  // fuzz_postings: byte 0 = mode | style << 2.
  Write("fuzz_postings", "seed_list_small.bin", std::string(1, '\x00') + PostingList(1, 5, 1));
  Write("fuzz_postings", "seed_list_blocks.bin", std::string(1, '\x00') + PostingList(3, 300, 2));
  Write("fuzz_postings", "seed_list_skip.bin", std::string(1, '\x24') + PostingList(3, 300, 7));
  {
    std::string a = PostingList(1, 12, 1), b = PostingList(100, 20, 3);
    Write("fuzz_postings", "seed_two_lists.bin",
          std::string(1, '\x01') + std::string(1, static_cast<char>(a.size())) + a + b);
  }
  Write("fuzz_postings", "seed_recipe.bin",
        std::string(1, '\x02') + std::string("\x01\x03\x02\x05\x01\x09\x05\x11\x04\x07\x02\x00\x03"
                                             "\xf3\x00\x10\x00\x01\x1f\x01\x02\x03\x04\x05\x06",
                                             26));
  Write("fuzz_postings", "seed_docs.bin", std::string(1, '\x03') + Docs(1, 5));  // format 3, dense
  Write("fuzz_postings", "seed_docs_sparse.bin", std::string(1, '\x03') + Docs(3, 6, 4));
  Write("fuzz_postings", "seed_docs_v2.bin", std::string(1, '\x03') + Docs(1, 5, 1, 2));
  // A format 4 blob without its chunks, and format 4 recipes with damage:
  // control bit 7 (ColdChunks), then chunk size, document count - 1, the
  // docid gaps (sparse; none when dense), then (op, chunk[, byte, value]).
  Write("fuzz_postings", "seed_docs_v4.bin",
        std::string(1, '\x03') + index::EncodeSegmentDocs(SeedDocs(1, 5, 1), 2).blob);
  Write("fuzz_postings", "seed_cold_chunks.bin",
        std::string("\x83\x04\x09\x00\x01\x02\x03\x04\x00\x01\x02\x03\x01\x01\x05\x7f", 16));
  Write("fuzz_postings", "seed_cold_chunks_dense.bin",
        std::string("\x87\x10\x40\x00\x02\x02\x01\x00\x03\x00", 10));

  // fuzz_model_loader: JSON as stored.
  Write("fuzz_model_loader", "seed_global.json", ranker::GlobalLinearModel::Initial().ToJson());
  ranker::PersonalLinearModel personal;
  personal.delta[0] = 0.25;
  Write("fuzz_model_loader", "seed_personal.json", personal.ToJson());
  {
    std::ifstream in(std::string(argc > 2 ? argv[2] : "tests/data") + "/xgb_small.json",
                     std::ios::binary);
    std::string xgb((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!xgb.empty()) Write("fuzz_model_loader", "seed_xgb_small.json", xgb);
  }

  // fuzz_synonyms: a synonyms file.
  Write("fuzz_synonyms", "seed_groups.txt",
        "# groups of one meaning\n犬 ドッグ イヌ\nサーバー サーバ\nノートPC ノートパソコン  # comment\n\n");

  // fuzz_server_api: method byte (0 GET, 1 POST), path byte (index into the
  // target's list, >= 14: the first line), flags byte (content type), then
  // "name=value" lines, an empty line, the body.
  auto api = [](int method, int path, int flags, const std::string& text) {
    return std::string{static_cast<char>(method), static_cast<char>(path),
                       static_cast<char>(flags)} + text;
  };
  Write("fuzz_server_api", "seed_search_get.bin",
        api(0, 0, 3, "q=犬 ベッド\nk=5\noffset=0\nexplain=1\n\n"));
  Write("fuzz_server_api", "seed_search_post.bin",
        api(1, 0, 0, "\n{\"query\":\"猫 フード -犬\",\"k\":3,\"explain\":true}"));
  Write("fuzz_server_api", "seed_search_batch.bin",
        api(1, 0, 4, "\n{\"queries\":[\"犬\",\"brand:ペティオ\",\"price:..2000\"]}"));
  Write("fuzz_server_api", "seed_click.bin",
        api(1, 1, 0, "\n{\"query_id\":\"1\",\"id\":\"p1\",\"kind\":\"cart\"}"));
  Write("fuzz_server_api", "seed_session_end.bin", api(1, 2, 0, "\n{\"user\":\"alice\"}"));
  Write("fuzz_server_api", "seed_model.bin", api(0, 4, 3, "user=alice\n\n"));
  Write("fuzz_server_api", "seed_history.bin", api(0, 5, 3, "user=alice\n\n"));
  Write("fuzz_server_api", "seed_import.bin",
        api(1, 7, 1, "strict=1\nmap=id=商品ID\n\n商品ID,title\nx1,犬\n"));
  Write("fuzz_server_api", "seed_free_path.bin", api(0, 200, 3, "/api/stats/../x\na=b\n\n"));
  return 0;
}
