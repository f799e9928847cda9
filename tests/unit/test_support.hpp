// Shared helpers of the SIP syntax unit tests: reading the torture corpora
// (tests/data/sip/rfc4475 and rfc5118, each with a MANIFEST.tsv) and small
// string utilities.
#pragma once

#include <cstddef>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#ifndef COSIP_TEST_DATA
#error "COSIP_TEST_DATA must name the tests/data directory"
#endif

namespace cosip::test {

inline std::string data_dir() { return COSIP_TEST_DATA; }

// Whole file as bytes; `ok` tells whether it could be opened.
inline std::string read_file(const std::string& path, bool* ok = nullptr) {
  std::ifstream in(path, std::ios::binary);
  if (ok != nullptr) *ok = static_cast<bool>(in);
  if (!in) return {};
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// One MANIFEST.tsv line. Columns: name, section, class, [title,]
// expected_handling, bytes, sha256 (RFC 5118's manifest has no title).
struct TortureCase {
  std::string corpus;  // "rfc4475" or "rfc5118"
  std::string name;
  std::string section;
  std::string cls;     // "valid" or "invalid"
  std::size_t bytes = 0;
  std::string path;    // <data>/sip/<corpus>/<name>.<class>.sip

  bool valid() const { return cls == "valid"; }
};

inline std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> cols;
  std::size_t start = 0;
  for (;;) {
    const std::size_t tab = line.find('\t', start);
    cols.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) break;
    start = tab + 1;
  }
  return cols;
}

inline std::vector<TortureCase> load_manifest(const std::string& corpus) {
  std::vector<TortureCase> cases;
  const std::string dir = data_dir() + "/sip/" + corpus;
  std::istringstream in(read_file(dir + "/MANIFEST.tsv"));
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (header) {  // column names
      header = false;
      continue;
    }
    const auto cols = split_tabs(line);
    if (cols.size() < 6) continue;
    TortureCase c;
    c.corpus = corpus;
    c.name = cols[0];
    c.section = cols[1];
    c.cls = cols[2];
    c.bytes = static_cast<std::size_t>(std::stoul(cols[cols.size() - 2]));
    c.path = dir + "/" + c.name + "." + c.cls + ".sip";
    cases.push_back(std::move(c));
  }
  return cases;
}

inline std::vector<TortureCase> all_torture_cases() {
  auto cases = load_manifest("rfc4475");
  auto more = load_manifest("rfc5118");
  cases.insert(cases.end(), more.begin(), more.end());
  return cases;
}

// The bytes of one torture message by corpus and name ("" if absent).
inline std::string torture(const std::string& corpus, const std::string& name) {
  for (const auto& c : load_manifest(corpus))
    if (c.name == name) return read_file(c.path);
  return {};
}

// Offset just past the empty line ending the header section, or npos.
inline std::size_t header_end(std::string_view msg) {
  const std::size_t p = msg.find("\r\n\r\n");
  return p == std::string_view::npos ? p : p + 4;
}

// Joins lines with CRLF; each line gets its CRLF, so {"A", "", ""} gives
// "A\r\n\r\n" -- handy for writing messages inline.
inline std::string crlf(std::initializer_list<std::string_view> lines) {
  std::string out;
  for (auto l : lines) {
    out.append(l);
    out.append("\r\n");
  }
  return out;
}

inline bool points_into(std::string_view view, std::string_view buffer) {
  return view.data() >= buffer.data() && view.data() + view.size() <= buffer.data() + buffer.size();
}

}  // namespace cosip::test
