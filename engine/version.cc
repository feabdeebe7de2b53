// saiki::Version(): the version compiled into the library (saiki/version.h).
#include "saiki/saiki.h"

namespace saiki {

const char* Version() { return SAIKI_VERSION; }

}  // namespace saiki
