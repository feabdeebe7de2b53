// main() of the `saiki` command: every command in this process but `serve`,
// which ForwardServe hands to saiki-serve (cli/run.h says why).
#include "cli/run.h"

int main(int argc, char** argv) {
#ifdef SAIKI_WITH_SERVER
  return saiki::cli::RunCli(argc, argv, saiki::cli::ForwardServe);
#else
  return saiki::cli::RunCli(argc, argv, nullptr);
#endif
}
