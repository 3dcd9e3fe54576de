// A prebuilt addon must load wherever the Node it ships with runs: glibc 2.28 and the libstdc++ of
// GCC 8. GCC 11 and later make every runtime-sized allocation (new T[n], std::vector) call
// std::__throw_bad_array_new_length, which only libstdc++ 3.4.29 (GCC 11) exports, so the addon
// would refuse to load on Debian 11 or Ubuntu 20.04. This hidden local definition satisfies those
// calls inside the addon. It must not see the header that declares it with default visibility.
#include <cstdlib>

namespace std {
__attribute__((visibility("hidden"), noreturn)) void __throw_bad_array_new_length() {
  // the addon is built without exceptions: an impossible size ends the process, as a throw would
  std::abort();
}
}  // namespace std
