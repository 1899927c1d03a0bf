# Compiles the language identifier's profiles (datasets/languages/) into inoculab_core: at
# configure time each language's prose and function words become raw string literals in a
# generated language_data.cpp, so scoring needs no data folder at run time. Included from
# core/CMakeLists.txt after inoculab_core is defined; editing a profile re-runs the configure.

# The order of experiment::kScorerLanguages.
set(_inoculab_languages en es fr de)
set(_inoculab_language_dir ${PROJECT_SOURCE_DIR}/datasets/languages)
set(_inoculab_raw_end ")inoculab\"")  # a raw string literal's end; no profile may contain it

set(INOCULAB_LANGUAGE_ENTRIES "")
foreach(_lang IN LISTS _inoculab_languages)
  set(_fields "")
  foreach(_kind profile stopwords)
    set(_file ${_inoculab_language_dir}/${_kind}/${_lang}.txt)
    if(NOT EXISTS ${_file})
      message(FATAL_ERROR "language profile missing: ${_file}")
    endif()
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_file})
    file(READ ${_file} _text)
    string(FIND "${_text}" "${_inoculab_raw_end}" _clash)
    if(NOT _clash EQUAL -1)
      message(FATAL_ERROR "${_file} contains ${_inoculab_raw_end}, which ends the generated string literal")
    endif()
    string(APPEND _fields ", R\"inoculab(${_text})inoculab\"")
  endforeach()
  string(APPEND INOCULAB_LANGUAGE_ENTRIES "    {\"${_lang}\"${_fields}},\n")
endforeach()

configure_file(${PROJECT_SOURCE_DIR}/cmake/language_data.cpp.in
               ${CMAKE_CURRENT_BINARY_DIR}/eval/language_data.cpp @ONLY)
target_sources(inoculab_core PRIVATE ${CMAKE_CURRENT_BINARY_DIR}/eval/language_data.cpp)
