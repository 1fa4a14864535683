# Fails when README.md's bad-input matrix differs from the test's cases.
execute_process(COMMAND ${TEST_BIN} --markdown OUTPUT_VARIABLE want RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${TEST_BIN} --markdown failed")
endif()
file(READ ${README} readme)
string(REGEX MATCH "<!-- badinput-matrix:begin -->\n(.*)<!-- badinput-matrix:end -->" _ "${readme}")
if(NOT CMAKE_MATCH_1 STREQUAL want)
  message(FATAL_ERROR "README.md's bad-input matrix is out of date: regenerate it with "
                      "`rtm_badinput_test --markdown`")
endif()
