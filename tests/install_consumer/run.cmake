# Installs rtm from BUILD_DIR into WORK_DIR/prefix, then builds and runs
# (1) a CMake consumer using find_package(rtm CONFIG REQUIRED) with a C and a
# C++ program, (2) the C program with pkg-config alone, and (3) a C program
# that loads librtm.so with dlopen.
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  message(STATUS "${out}")
endfunction()

run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
if(NOT EXISTS ${prefix}/include/rtm/rtm.h OR NOT EXISTS ${prefix}/include/rtmv2/rtmv2.h)
  message(FATAL_ERROR "headers not installed under include/rtm and include/rtmv2")
endif()

# (1) find_package(rtm CONFIG)
run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/build -DCMAKE_PREFIX_PATH=${prefix}
    -DCMAKE_BUILD_TYPE=Release)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run(${WORK_DIR}/build/consumer_c)
run(${WORK_DIR}/build/consumer_cxx)

# (2) pkg-config only
file(GLOB pcdirs ${prefix}/lib*/pkgconfig ${prefix}/lib/*/pkgconfig)
list(JOIN pcdirs ":" pcpath)
set(ENV{PKG_CONFIG_PATH} ${pcpath})
execute_process(COMMAND pkg-config --cflags --libs rtm OUTPUT_VARIABLE flags
                RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config --cflags --libs rtm failed")
endif()
separate_arguments(flags UNIX_COMMAND "${flags}")
file(GLOB libdir ${prefix}/lib*/librtm.so ${prefix}/lib/*/librtm.so)
get_filename_component(libdir "${libdir}" DIRECTORY)
run(cc -std=c11 -Wall -Wextra -pedantic ${SOURCE_DIR}/consumer.c -o ${WORK_DIR}/consumer_pc
    ${flags} -Wl,-rpath,${libdir})
run(${WORK_DIR}/consumer_pc)

# (3) dlopen, with no link to librtm (its initial-exec TLS must fit)
run(cc -std=gnu11 -Wall -Wextra -I${prefix}/include ${SOURCE_DIR}/consumer_dlopen.c
    -o ${WORK_DIR}/consumer_dlopen -ldl -pthread)
run(${WORK_DIR}/consumer_dlopen ${libdir}/librtm.so)
message(STATUS "install consumer: find_package, pkg-config and dlopen all OK")
