// The cosip command-line program: one thin client of the library's layers.
#include <CLI/CLI.hpp>

#include "apps/parse_command.hpp"

int main(int argc, char** argv) {
  CLI::App app{"cosip: a SIP/SDP/RTP/MSRP user agent"};
  app.require_subcommand(1);

  std::string kind;
  std::string path;
  CLI::App* parse = app.add_subcommand(
      "parse", "check one message as a receiving UA does; print its canonical form");
  parse->add_option("kind", kind, "protocol of the message")->required()->check(CLI::IsMember({"sip"}));
  parse->add_option("file", path, "file holding one whole message, or - for stdin")->required();

  CLI11_PARSE(app, argc, argv);

  if (parse->parsed()) return cosip::apps::parse_sip(path);
  return 0;
}
