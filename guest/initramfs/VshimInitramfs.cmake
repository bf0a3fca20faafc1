# vshim_add_initramfs(<name> INIT <exe-target> OUTPUT <file> [GZIP] [FILES src=dst ...])
#
# Adds the target <name> (part of ALL) that packs the executable of
# <exe-target> as /init, plus each src as dst, into the initramfs <file>:
# newc cpio, every entry owned by root, built without root by
# mkinitramfs.sh. Relative srcs are taken from the calling directory.
#
# The archive is uncompressed unless GZIP is given: under TCG the kernel
# inflates gzip slower than QEMU copies the larger file into guest memory
# (measured in guest/initramfs/README.md).
#
# The target's VSHIM_OUTPUT property holds <file>, so tests anywhere in the
# tree can say $<TARGET_PROPERTY:<name>,VSHIM_OUTPUT>.
include_guard(GLOBAL)

function(vshim_add_initramfs name)
	cmake_parse_arguments(PARSE_ARGV 1 arg "GZIP" "INIT;OUTPUT" "FILES")
	if(NOT arg_INIT OR NOT arg_OUTPUT OR arg_UNPARSED_ARGUMENTS)
		message(FATAL_ERROR "usage: vshim_add_initramfs(<name> INIT <exe-target> "
			"OUTPUT <file> [GZIP] [FILES src=dst ...])")
	endif()

	set(script ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/mkinitramfs.sh)
	set(options)
	if(arg_GZIP)
		set(options --gzip)
	endif()
	set(pairs)
	set(depends ${arg_INIT} ${script})
	foreach(pair IN LISTS arg_FILES)
		if(NOT pair MATCHES "^([^=]+)=(.+)$")
			message(FATAL_ERROR "vshim_add_initramfs(${name}): `${pair}` is not src=dst")
		endif()
		cmake_path(ABSOLUTE_PATH CMAKE_MATCH_1 BASE_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}
			OUTPUT_VARIABLE src)
		list(APPEND pairs ${src}=${CMAKE_MATCH_2})
		list(APPEND depends ${src})
	endforeach()

	add_custom_command(OUTPUT ${arg_OUTPUT}
		COMMAND ${script} ${options} ${arg_OUTPUT} $<TARGET_FILE:${arg_INIT}> ${pairs}
		DEPENDS ${depends}
		COMMENT "Packing initramfs ${arg_OUTPUT}"
		VERBATIM)
	add_custom_target(${name} ALL DEPENDS ${arg_OUTPUT})
	set_target_properties(${name} PROPERTIES VSHIM_OUTPUT ${arg_OUTPUT})
endfunction()
