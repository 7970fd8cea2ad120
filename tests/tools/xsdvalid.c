/*
 * xsdvalid.c — validate an XML file against an XML Schema with libxml2:
 *
 *	xsdvalid SCHEMA.xsd FILE.xml
 *
 * Prints "valid" and exits 0, or prints libxml2's messages and exits 1.
 * The tests use it to check ticketctl export --format xes against the
 * IEEE 1849-2016 XES schema (tests/data/xes-ieee-1849-2016.xsd).
 */
#include <stdio.h>
#include <stdlib.h>

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

int
main(int argc, char *argv[])
{
	xmlSchemaParserCtxtPtr pc;
	xmlSchemaValidCtxtPtr vc;
	xmlSchemaPtr schema;
	xmlDocPtr doc;
	int rc = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: xsdvalid SCHEMA.xsd FILE.xml\n");
		return 2;
	}
	pc = xmlSchemaNewParserCtxt(argv[1]);
	schema = pc != NULL ? xmlSchemaParse(pc) : NULL;
	if (schema == NULL) {
		fprintf(stderr, "xsdvalid: %s: not a schema\n", argv[1]);
		xmlSchemaFreeParserCtxt(pc);
		return 2;
	}
	doc = xmlReadFile(argv[2], NULL, XML_PARSE_NONET);
	if (doc == NULL)
		fprintf(stderr, "xsdvalid: %s: not well-formed XML\n", argv[2]);
	else if ((vc = xmlSchemaNewValidCtxt(schema)) != NULL) {
		rc = xmlSchemaValidateDoc(vc, doc) == 0 ? 0 : 1;
		xmlSchemaFreeValidCtxt(vc);
	}
	if (rc == 0)
		printf("valid\n");
	xmlFreeDoc(doc);
	xmlSchemaFree(schema);
	xmlSchemaFreeParserCtxt(pc);
	xmlCleanupParser();
	return rc;
}
