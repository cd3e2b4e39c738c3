# Fuzz targets for the adapters' parsers (included by tests/fuzz/CMakeLists.txt).
if(TARGET stafet_cpr_core)
  stafet_fuzz_target(fuzz_cpr ${CMAKE_CURRENT_LIST_DIR}/fuzz_cpr.c stafet_cpr_core)
endif()
if(TARGET stafet_debtor_core)
  stafet_fuzz_target(fuzz_debt_line ${CMAKE_CURRENT_LIST_DIR}/fuzz_debt_line.c
                     stafet_debtor_core)
endif()
if(TARGET stafet_case_core AND TARGET stafet_contact_core)
  stafet_fuzz_target(fuzz_http_json ${CMAKE_CURRENT_LIST_DIR}/fuzz_http_json.c stafet_case_core
                     stafet_contact_core)
endif()
