/* SPDX-License-Identifier: Apache-2.0 */
#include "guest/proto/wire.h"

#include <stdio.h>

#include "common/cleanup.h"

static const struct proto_type_info types[] = {
	{ PROTO_CREATE, "CREATE", PROTO_TO_GUEST, PROTO_PAYLOAD_JSON, PROTO_MAX_PAYLOAD, true },
	{ PROTO_START, "START", PROTO_TO_GUEST, PROTO_PAYLOAD_EMPTY, 0, true },
	{ PROTO_EXEC, "EXEC", PROTO_TO_GUEST, PROTO_PAYLOAD_JSON, PROTO_MAX_PAYLOAD, true },
	{ PROTO_SIGNAL, "SIGNAL", PROTO_TO_GUEST, PROTO_PAYLOAD_JSON, PROTO_MAX_CONTROL, true },
	{ PROTO_RESIZE, "RESIZE", PROTO_TO_GUEST, PROTO_PAYLOAD_JSON, PROTO_MAX_CONTROL, true },
	{ PROTO_PS, "PS", PROTO_TO_GUEST, PROTO_PAYLOAD_EMPTY, 0, true },
	{ PROTO_SHUTDOWN, "SHUTDOWN", PROTO_TO_GUEST, PROTO_PAYLOAD_EMPTY, 0, true },
	{ PROTO_TERMIOS, "TERMIOS", PROTO_TO_GUEST, PROTO_PAYLOAD_JSON, PROTO_MAX_CONTROL, true },
	{ PROTO_NETWORK, "NETWORK", PROTO_TO_GUEST, PROTO_PAYLOAD_JSON, PROTO_MAX_PAYLOAD, true },
	{ PROTO_CLOCK, "CLOCK", PROTO_TO_GUEST, PROTO_PAYLOAD_JSON, PROTO_MAX_CONTROL, true },
	{ PROTO_STDIN, "STDIN", PROTO_TO_GUEST, PROTO_PAYLOAD_RAW, PROTO_MAX_STDIO, false },
	{ PROTO_STDIN_CLOSE, "STDIN_CLOSE", PROTO_TO_GUEST, PROTO_PAYLOAD_EMPTY, 0, false },

	{ PROTO_HELLO, "HELLO", PROTO_TO_HOST, PROTO_PAYLOAD_JSON, PROTO_MAX_CONTROL, false },
	{ PROTO_OK, "OK", PROTO_TO_HOST, PROTO_PAYLOAD_EMPTY, 0, false },
	{ PROTO_PID, "PID", PROTO_TO_HOST, PROTO_PAYLOAD_JSON, PROTO_MAX_CONTROL, false },
	{ PROTO_PS_REPLY, "PS_REPLY", PROTO_TO_HOST, PROTO_PAYLOAD_JSON, PROTO_MAX_PAYLOAD, false },
	{ PROTO_ERROR, "ERROR", PROTO_TO_HOST, PROTO_PAYLOAD_JSON, PROTO_MAX_CONTROL, false },
	{ PROTO_STDOUT, "STDOUT", PROTO_TO_HOST, PROTO_PAYLOAD_RAW, PROTO_MAX_STDIO, false },
	{ PROTO_STDERR, "STDERR", PROTO_TO_HOST, PROTO_PAYLOAD_RAW, PROTO_MAX_STDIO, false },
	{ PROTO_EXIT, "EXIT", PROTO_TO_HOST, PROTO_PAYLOAD_JSON, PROTO_MAX_CONTROL, false },
	{ PROTO_STDIN_WINDOW, "STDIN_WINDOW", PROTO_TO_HOST, PROTO_PAYLOAD_JSON, PROTO_MAX_CONTROL,
	  false },
};

const struct proto_type_info *proto_type_info(uint16_t type)
{
	for (size_t i = 0; i < VS_ARRAY_SIZE(types); i++) {
		if (types[i].type == type)
			return &types[i];
	}
	return NULL;
}

const char *proto_type_name(uint16_t type)
{
	static __thread char unknown[8];
	const struct proto_type_info *info = proto_type_info(type);

	if (info != NULL)
		return info->name;
	snprintf(unknown, sizeof(unknown), "0x%04x", type);
	return unknown;
}
