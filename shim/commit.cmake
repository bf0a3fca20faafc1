# Writes OUT, a header defining VSHIM_COMMIT: the commit the source tree SRC
# is at (git describe, "-dirty" with changes), or "unknown" outside git.
# The file is rewritten only when that changes, so nothing is rebuilt for it
# otherwise.  Run at every build by the vshim-commit target.
execute_process(COMMAND git -C ${SRC} describe --always --dirty --abbrev=12
	OUTPUT_VARIABLE commit OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR commit STREQUAL "")
	set(commit unknown)
endif()
set(text "#define VSHIM_COMMIT \"${commit}\"\n")
set(old "")
if(EXISTS ${OUT})
	file(READ ${OUT} old)
endif()
if(NOT old STREQUAL text)
	file(WRITE ${OUT} "${text}")
endif()
