// The console's files (server/console/), compiled in by
// cmake/embed_files.cmake: `saiki serve` answers GET / from memory.
#ifndef SAIKI_SERVER_CONSOLE_ASSETS_H_
#define SAIKI_SERVER_CONSOLE_ASSETS_H_

#include <vector>

#include "server/api.h"

namespace saiki::server {

// index.html as "/", every other file as "/NAME".
std::vector<Asset> ConsoleAssets();

}  // namespace saiki::server

#endif  // SAIKI_SERVER_CONSOLE_ASSETS_H_
