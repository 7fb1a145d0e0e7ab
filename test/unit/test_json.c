/* test_json.c: the JSON writer: structure, commas and string escaping. */
#include "check.h"
#include "core/buf.h"
#include "render/json.h"

int main(void)
{
	struct buf b;
	struct json j;
	buf_init(&b);
	json_init(&j, &b);
	json_obj_begin(&j);
	json_key(&j, "version");
	json_int(&j, 42);
	json_key(&j, "ids");
	json_arr_begin(&j);
	json_str(&j, "a");
	json_str(&j, "b");
	json_arr_end(&j);
	json_key(&j, "none");
	json_str(&j, NULL);
	json_key(&j, "empty");
	json_arr_begin(&j);
	json_arr_end(&j);
	json_key(&j, "objs");
	json_arr_begin(&j);
	json_obj_begin(&j);
	json_obj_end(&j);
	json_obj_begin(&j);
	json_key(&j, "t");
	json_bool(&j, true);
	json_obj_end(&j);
	json_arr_end(&j);
	json_obj_end(&j);
	CHECK_STR(buf_cstr(&b), "{\"version\":42,\"ids\":[\"a\",\"b\"],\"none\":null,\"empty\":[],"
	                        "\"objs\":[{},{\"t\":true}]}");

	buf_clear(&b);
	json_init(&j, &b);
	json_str(&j, "<script>alert(1)</script> \"q\" \\ 'a' & \n\t\x01");
	CHECK_STR(buf_cstr(&b), "\"\\u003cscript\\u003ealert(1)\\u003c/script\\u003e \\\"q\\\" "
	                        "\\\\ \\u0027a\\u0027 \\u0026 \\n\\t\\u0001\"");

	buf_clear(&b);
	json_init(&j, &b);
	json_str(&j, "Motörhead \xe2\x80\xa8 \xe2\x80\xa9 €");
	CHECK_STR(buf_cstr(&b), "\"Motörhead \\u2028 \\u2029 €\"");

	/* invalid UTF-8 never reaches the output */
	buf_clear(&b);
	json_init(&j, &b);
	json_str(&j, "a\xff"
	             "b\xc3");
	CHECK_STR(buf_cstr(&b), "\"a\\ufffdb\\ufffd\"");
	buf_free(&b);
	return check_done("test_json");
}
