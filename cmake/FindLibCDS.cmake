# FindLibCDS.cmake — finds libcds (the Concurrent Data Structures library).
#
# Why our own module: Debian 12's libcds-dev 2.3.3 installs a CMake package
# config whose imported targets point at lib64/, which Debian does not use,
# so find_package(LibCDS CONFIG) fails. This module finds the headers and the
# shared library where Debian puts them (/usr/include/cds,
# /usr/lib/x86_64-linux-gnu/libcds.so) and defines:
#
#   LibCDS_FOUND, LibCDS_VERSION, LibCDS_INCLUDE_DIR, LibCDS_LIBRARY
#   LibCDS::cds   imported target (headers + shared library)
#
# Hints: LibCDS_ROOT (CMake's <Package>_ROOT) or -DLibCDS_LIBRARY=/path.

find_path(LibCDS_INCLUDE_DIR NAMES cds/version.h)
find_library(LibCDS_LIBRARY NAMES cds)

if(LibCDS_INCLUDE_DIR AND EXISTS "${LibCDS_INCLUDE_DIR}/cds/version.h")
  file(STRINGS "${LibCDS_INCLUDE_DIR}/cds/version.h" _cds_version_line
       REGEX "^#define[ \t]+CDS_VERSION_STRING[ \t]+\"[0-9.]+\"")
  string(REGEX REPLACE ".*\"([0-9.]+)\".*" "\\1" LibCDS_VERSION "${_cds_version_line}")
  unset(_cds_version_line)
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(LibCDS
  REQUIRED_VARS LibCDS_LIBRARY LibCDS_INCLUDE_DIR
  VERSION_VAR LibCDS_VERSION)

if(LibCDS_FOUND AND NOT TARGET LibCDS::cds)
  add_library(LibCDS::cds UNKNOWN IMPORTED)
  set_target_properties(LibCDS::cds PROPERTIES
    IMPORTED_LOCATION "${LibCDS_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${LibCDS_INCLUDE_DIR}")
endif()

mark_as_advanced(LibCDS_INCLUDE_DIR LibCDS_LIBRARY)
