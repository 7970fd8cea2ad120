/*
 * test_quote.c — quote_strip() on reply bodies as mail clients write them
 * (Gmail, Apple Mail, Thunderbird, Outlook desktop and web, mutt, phones)
 * in en, de, fr, es, it, nl, pt; the decisions documented in quote.c; and
 * hostile input (huge quote runs, huge lines, CR line ends, bad UTF-8,
 * binary) that must finish and stay within bounds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "quote.h"
#include "t.h"
#include "xmalloc.h"

/* quote_strip on an exact-length heap copy (no NUL after the text). */
static char *
qs_n(const char *p, size_t len)
{
	char *copy, *s;

	copy = xmalloc(len > 0 ? len : 1);
	memcpy(copy, p, len);
	s = quote_strip(copy, len);
	free(copy);
	return s;
}

static char *
qs(const char *p)
{
	return qs_n(p, strlen(p));
}

static const struct {
	const char *name, *text, *want;
} tab[] = {
	/* --- Gmail --- */
	{ "gmail en top-post",
	  "Thanks, the printer works again.\n"
	  "\n"
	  "On Mon, Jun 3, 2024 at 10:00\xe2\x80\xaf" "AM IT Help Desk <it@corp.example> wrote:\n"
	  "\n"
	  "> Hello Bob,\n"
	  ">\n"
	  "> please switch the printer off and on again.\n"
	  ">\n"
	  "> --\n"
	  "> IT Help Desk\n",
	  "Thanks, the printer works again." },
	{ "gmail attribution wrapped over two lines",
	  "Still broken, sorry.\n"
	  "\n"
	  "On Mon, 3 Jun 2024 at 10:00, IT Help Desk via Corp Help Desk <\n"
	  "it+42@corp.example> wrote:\n"
	  "\n"
	  "> [IT #42] Printer on 3rd floor\n"
	  "> Your ticket was assigned to Alice.\n",
	  "Still broken, sorry." },
	{ "gmail wrapped before wrote",
	  "ok\n"
	  "\n"
	  "On Mon, 3 Jun 2024 at 10:00, Alice Example <alice@corp.example>\n"
	  "wrote:\n"
	  "> q\n",
	  "ok" },
	{ "gmail de",
	  "Danke, geht wieder.\n"
	  "\n"
	  "Am Mo., 3. Juni 2024 um 10:00 Uhr schrieb Alice <a@corp.example>:\n"
	  "\n"
	  "> Bitte neu starten.\n",
	  "Danke, geht wieder." },
	/* --- the attribution line in every language --- */
	{ "attribution en",
	  "Yes.\n\nOn Mon, 3 Jun 2024 at 10:00, Alice <a@x> wrote:\n> q\n",
	  "Yes." },
	{ "attribution de",
	  "Ja.\n\nAm 03.06.2024 um 10:00 schrieb Alice <a@x>:\n> q\n",
	  "Ja." },
	{ "attribution fr",
	  "Oui.\n\nLe lun. 3 juin 2024 \xc3\xa0 10:00, Alice <a@x> a \xc3\xa9"
	  "crit :\n> q\n",
	  "Oui." },
	{ "attribution fr wrapped inside a \xc3\xa9" "crit",
	  "Oui.\n\nLe lun. 3 juin 2024 \xc3\xa0 10:00, Alice Example <a@x> a\n"
	  "\xc3\xa9" "crit :\n> q\n",
	  "Oui." },
	{ "attribution es",
	  "S\xc3\xad.\n\nEl lun, 3 jun 2024 a las 10:00, Alice (<a@x>) escribi"
	  "\xc3\xb3:\n> q\n",
	  "S\xc3\xad." },
	{ "attribution it",
	  "S\xc3\xac.\n\nIl giorno lun 3 giu 2024 alle ore 10:00 Alice <a@x> "
	  "ha scritto:\n\n> q\n",
	  "S\xc3\xac." },
	{ "attribution nl",
	  "Ja.\n\nOp ma 3 jun. 2024 om 10:00 schreef Alice <a@x>:\n\n> q\n",
	  "Ja." },
	{ "attribution nl wrapped after jun.",
	  "Ja.\n\nOp ma 3 jun.\n2024 om 10:00 schreef Alice <a@x>:\n\n> q\n",
	  "Ja." },
	{ "attribution pt",
	  "Sim.\n\nEm seg., 3 de jun. de 2024 \xc3\xa0s 10:00, Alice <a@x> "
	  "escreveu:\n\n> q\n",
	  "Sim." },
	{ "attribution name only",
	  "Agreed.\n\nAlice <a@x> wrote:\n> q\n",
	  "Agreed." },
	{ "attribution wrote on, no colon",
	  "Agreed.\n\nAlice wrote on Mon, 3 Jun 2024 10:00\n> q\n",
	  "Agreed." },
	{ "attribution full-width colon",
	  "\xe5\xa5\xbd\n\nAlice <a@x> wrote\xef\xbc\x9a\n> q\n",
	  "\xe5\xa5\xbd" },
	{ "attribution without a quote after it is text",
	  "As Alice wrote:\nrestart the spooler first.\n",
	  "As Alice wrote:\nrestart the spooler first." },
	{ "a sentence before a name-only attribution stays",
	  "On my side it still fails.\nAlice wrote:\n> x\n",
	  "On my side it still fails." },
	/* --- Apple Mail (iOS quotes the attribution) --- */
	{ "apple mail ios de",
	  "Danke!\n"
	  "\n"
	  "Von meinem iPhone gesendet\n"
	  "\n"
	  "> Am 03.06.2024 um 10:00 schrieb IT Help Desk <it@corp.example>:\n"
	  "> \n"
	  "> \xef\xbb\xbfHallo Bob,\n"
	  "> Ticket 42 ist gel\xc3\xb6st.\n",
	  "Danke!" },
	{ "apple mail macos en",
	  "Works now.\n"
	  "\n"
	  "> On 3 Jun 2024, at 10:00, IT Help Desk <it@corp.example> wrote:\n"
	  "> \n"
	  "> Hello\n",
	  "Works now." },
	/* --- Thunderbird --- */
	{ "thunderbird bottom-post",
	  "On 03.06.24 10:00, Alice wrote:\n"
	  "> Which printer?\n"
	  "\n"
	  "The one on the 3rd floor.\n"
	  "\n"
	  "-- \n"
	  "Bob Example\n"
	  "Accounting\n",
	  "The one on the 3rd floor." },
	{ "thunderbird fr",
	  "Merci.\n"
	  "\n"
	  "Le 03/06/2024 \xc3\xa0 10:00, Alice a \xc3\xa9" "crit\xc2\xa0:\n"
	  "> texte\n",
	  "Merci." },
	/* --- mutt, inline answers --- */
	{ "mutt inline",
	  "* Alice <a@corp.example> [2024-06-03 10:00 +0200]:\n"
	  "> Which printer?\n"
	  "\n"
	  "The one on the 3rd floor.\n"
	  "\n"
	  "> Which model?\n"
	  "\n"
	  "HP LaserJet 4250.\n"
	  "\n"
	  "> Serial number?\n"
	  "\n"
	  "CNB123.\n"
	  "\n"
	  "-- \n"
	  "Bob\n",
	  "The one on the 3rd floor.\n\nHP LaserJet 4250.\n\nCNB123." },
	{ "mutt default attribution",
	  "On Mon, Jun 03, 2024 at 10:00:00AM +0200, Alice wrote:\n"
	  "> q1\n"
	  "a1\n"
	  "> q2\n"
	  "a2\n",
	  "a1\na2" },
	{ "nested quotes and no space",
	  "answer\n"
	  "\n"
	  "On Mon, 3 Jun 2024 at 10:00, Alice <a@x> wrote:\n"
	  "> level one\n"
	  "> > level two\n"
	  ">> level two again\n"
	  ">no space\n"
	  "> >> deep\n",
	  "answer" },
	{ "a single > line in the middle is a quote",
	  "first\n> quoted\nlast\n",
	  "first\nlast" },
	{ "indented > is not a quote",
	  "run this:\n  > dir\nthen\n",
	  "run this:\n  > dir\nthen" },
	/* --- Outlook desktop --- */
	{ "outlook original message",
	  "Done, thanks.\n"
	  "\n"
	  "-----Original Message-----\n"
	  "From: IT Help Desk <it@corp.example> \n"
	  "Sent: Monday, June 3, 2024 10:00 AM\n"
	  "To: Bob <bob@corp.example>\n"
	  "Subject: [IT #42] Printer\n"
	  "\n"
	  "Hello Bob\n",
	  "Done, thanks." },
	{ "outlook underscores en",
	  "Done.\r\n"
	  "\r\n"
	  "________________________________\r\n"
	  "From: IT Help Desk <it@corp.example>\r\n"
	  "Sent: Monday, June 3, 2024 10:00 AM\r\n"
	  "To: Bob <bob@corp.example>\r\n"
	  "Cc: Carol <carol@corp.example>; Dave <dave@corp.example>\r\n"
	  "Subject: [IT #42] Printer\r\n"
	  "\r\n"
	  "Hello\r\n",
	  "Done." },
	{ "outlook de",
	  "Erledigt.\n"
	  "\n"
	  "Von: IT Help Desk <it@corp.example>\n"
	  "Gesendet: Montag, 3. Juni 2024 10:00\n"
	  "An: Bob <bob@corp.example>\n"
	  "Betreff: [IT #42] Drucker\n"
	  "\n"
	  "Hallo\n",
	  "Erledigt." },
	{ "outlook fr",
	  "Fait.\n"
	  "\n"
	  "De : IT Help Desk <it@corp.example>\n"
	  "Envoy\xc3\xa9 : lundi 3 juin 2024 10:00\n"
	  "\xc3\x80 : Bob <bob@corp.example>\n"
	  "Objet : [IT #42] Imprimante\n"
	  "\n"
	  "Bonjour\n",
	  "Fait." },
	{ "outlook es",
	  "Hecho.\n\nDe: IT <it@x>\nEnviado: lunes, 3 de junio de 2024 10:00\n"
	  "Para: Bob <b@x>\nAsunto: [IT #42] Impresora\n\nHola\n",
	  "Hecho." },
	{ "outlook it",
	  "Fatto.\n\nDa: IT <it@x>\nInviato: luned\xc3\xac 3 giugno 2024 10:00\n"
	  "A: Bob <b@x>\nOggetto: [IT #42] Stampante\n\nCiao\n",
	  "Fatto." },
	{ "outlook nl",
	  "Klaar.\n\nVan: IT <it@x>\nVerzonden: maandag 3 juni 2024 10:00\n"
	  "Aan: Bob <b@x>\nOnderwerp: [IT #42] Printer\n\nHallo\n",
	  "Klaar." },
	{ "outlook pt",
	  "Feito.\n\nDe: IT <it@x>\nEnviada: segunda-feira, 3 de junho de "
	  "2024 10:00\nPara: Bob <b@x>\nAssunto: [IT #42] Impressora\n\nOl"
	  "\xc3\xa1\n",
	  "Feito." },
	{ "outlook mac Date instead of Sent",
	  "Done.\n\nFrom: IT <it@x>\nDate: Monday, 3 June 2024 at 10:00\n"
	  "To: Bob <b@x>\nSubject: [IT #42] Printer\n\nHello\n",
	  "Done." },
	{ "header block with bold markup",
	  "Done.\n\n*From:* IT <it@x>\n*Sent:* Monday\n*To:* Bob\n"
	  "*Subject:* x\n\nHello\n",
	  "Done." },
	{ "original message de", "Ok\n-----Urspr\xc3\xbcngliche Nachricht-----\n"
	  "Text\n", "Ok" },
	{ "original message fr", "Ok\n-----Message d'origine-----\nText\n",
	  "Ok" },
	{ "original message es", "Ok\n-----Mensaje original-----\nText\n",
	  "Ok" },
	{ "original message it", "Ok\n-----Messaggio originale-----\nText\n",
	  "Ok" },
	{ "original message nl", "Ok\n-----Oorspronkelijk bericht-----\nText\n",
	  "Ok" },
	{ "original message pt", "Ok\n-----Mensagem original-----\nText\n",
	  "Ok" },
	{ "original message outlook express",
	  "Ok\n\n----- Original Message ----- \nFrom: x\n", "Ok" },
	{ "original message thunderbird",
	  "Ok\n\n-------- Original Message --------\nSubject: x\n", "Ok" },
	{ "not an original message line",
	  "Ok\n-----Original Message----- extra\nText\n",
	  "Ok\n-----Original Message----- extra\nText" },
	{ "From: alone is text",
	  "From: my laptop it does not work.\nSubject: is wrong too.\n",
	  "From: my laptop it does not work.\nSubject: is wrong too." },
	/* --- Outlook web / mobile --- */
	{ "outlook web with trailer",
	  "Thanks!\n"
	  "\n"
	  "Get Outlook for iOS <https://aka.ms/o0ukef>\n"
	  "________________________________\n"
	  "From: IT Help Desk <it@corp.example>\n"
	  "Sent: Monday, June 3, 2024 10:00:00 AM\n"
	  "To: Bob <bob@corp.example>\n"
	  "Subject: [IT #42] Printer\n"
	  "\n"
	  "Hello\n",
	  "Thanks!" },
	/* --- forwards inside a reply stay --- */
	{ "gmail forward kept",
	  "See the error below.\n"
	  "\n"
	  "---------- Forwarded message ---------\n"
	  "From: Printer <printer@corp.example>\n"
	  "Date: Mon, 3 Jun 2024 at 09:00\n"
	  "Subject: Toner low\n"
	  "To: <bob@corp.example>\n"
	  "\n"
	  "Toner low.\n",
	  "See the error below.\n"
	  "\n"
	  "---------- Forwarded message ---------\n"
	  "From: Printer <printer@corp.example>\n"
	  "Date: Mon, 3 Jun 2024 at 09:00\n"
	  "Subject: Toner low\n"
	  "To: <bob@corp.example>\n"
	  "\n"
	  "Toner low." },
	/* --- signatures --- */
	{ "sig dash dash space", "text\n-- \nBob\n", "text" },
	{ "sig dash dash alone", "text\n--\nBob\n", "text" },
	{ "sig dash dash tab", "text\n--\t\nBob\n", "text" },
	{ "three dashes are not a sig", "text\n---\nmore\n",
	  "text\n---\nmore" },
	{ "dash dash word is not a sig", "text\n--verbose\nmore\n",
	  "text\n--verbose\nmore" },
	/* --- phone trailers --- */
	{ "sent from my iphone", "Yes\n\nSent from my iPhone\n", "Yes" },
	{ "von meinem iphone", "Ja\n\nVon meinem iPhone gesendet\n", "Ja" },
	{ "envoye de mon iphone", "Oui\n\nEnvoy\xc3\xa9 de mon iPhone\n",
	  "Oui" },
	{ "get outlook for ios", "Ok\n\nGet Outlook for iOS\n", "Ok" },
	{ "enviado desde mi", "S\xc3\xad\n\nEnviado desde mi iPhone\n",
	  "S\xc3\xad" },
	{ "trailer then quote",
	  "Yes\n\nSent from my iPhone\n\n> On 3 Jun 2024, at 10:00, A <a@x> "
	  "wrote:\n> q\n",
	  "Yes" },
	{ "trailer mid text stays",
	  "Sent from my iPhone\nbut the laptop too\n",
	  "Sent from my iPhone\nbut the laptop too" },
	{ "von meinem without gesendet stays",
	  "Ja\nVon meinem Laptop geht es nicht\n",
	  "Ja\nVon meinem Laptop geht es nicht" },
	/* --- nothing left: the whole text --- */
	{ "all quote",
	  "> only\n> quoted\n\n",
	  "> only\n> quoted" },
	{ "attribution and quote only",
	  "On Mon, 3 Jun 2024 at 10:00, A <a@x> wrote:\n> q\n",
	  "On Mon, 3 Jun 2024 at 10:00, A <a@x> wrote:\n> q" },
	{ "sig at the top", "-- \nBob\n", "-- \nBob" },
	{ "only a trailer", "Sent from my iPhone\n", "Sent from my iPhone" },
	{ "empty", "", "" },
	{ "only blank lines", "\n\n  \n", "" },
	/* --- lines as they are --- */
	{ "trailing blank lines go, trailing spaces stay",
	  "a  \n\tb\n\n\n \n", "a  \n\tb" },
	{ "leading blank lines go", "\n\n> q\n\nanswer\n", "answer" },
	{ "blank runs around a dropped block are one",
	  "a\n\n\n> q\n\n\nb\n", "a\n\nb" },
	{ "blank runs elsewhere stay", "a\n\n\nb\n> q\n", "a\n\n\nb" },
	{ "crlf", "a\r\n> q\r\nb\r\n", "a\nb" },
	{ "bare cr", "a\r> q\rb\r", "a\nb" },
	{ "mixed line ends", "a\r\n\rb\n\r\n> q\nc", "a\n\nb\n\nc" },
	{ "no final line end", "a\n> q\nb", "a\nb" },
	{ "nbsp lines are blank", "a\n\xc2\xa0\n\xc2\xa0\n", "a" },
};

static void
test_table(void)
{
	size_t i;
	char *s;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		s = qs(tab[i].text);
		if (strcmp(s, tab[i].want) != 0) {
			fprintf(stderr, "# case %zu: %s\n", i, tab[i].name);
			T_STREQ(s, tab[i].want);
		}
		free(s);
	}
}

/* Every language's header block, with and without the underscore line. */
static void
test_header_blocks(void)
{
	static const char *const blocks[] = {
		"From: A\nSent: x\nTo: B\nSubject: y\n",
		"From: A\nDate: x\nTo: B\nCc: C\nSubject: y\n",
		"Von: A\nGesendet: x\nAn: B\nCc: C\nBetreff: y\n",
		"Von: A\nDatum: x\nAn: B\nBetreff: y\n",
		"De : A\nEnvoy\xc3\xa9 : x\n\xc3\x80 : B\nObjet : y\n",
		"De: A\nEnviado: x\nPara: B\nAsunto: y\n",
		"Da: A\nInviato: x\nA: B\nOggetto: y\n",
		"Van: A\nVerzonden: x\nAan: B\nOnderwerp: y\n",
		"De: A\nEnviada: x\nPara: B\nAssunto: y\n",
		"De: A\nData: x\nPara: B\nAssunto: y\n",
		"From: A\nSent: x\nTo: B, C, D, E,\n F, G\nSubject: y\n",
		"FROM: A\nSENT: x\nTO: B\nSUBJECT: y\n",
	};
	size_t i;
	char *t, *s;

	for (i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
		t = xasprintf("mine\n\n%s\nold text\n", blocks[i]);
		s = qs(t);
		if (strcmp(s, "mine") != 0) {
			fprintf(stderr, "# block %zu\n", i);
			T_STREQ(s, "mine");
		}
		free(s);
		free(t);
		t = xasprintf("mine\n\n________________________________\n%s\n"
		    "old text\n", blocks[i]);
		s = qs(t);
		if (strcmp(s, "mine") != 0) {
			fprintf(stderr, "# block %zu with underscores\n", i);
			T_STREQ(s, "mine");
		}
		free(s);
		free(t);
	}
}

/* n bytes repeating pat, not NUL-terminated beyond the heap block. */
static char *
repeat(const char *pat, size_t n)
{
	size_t pl = strlen(pat), i;
	char *s;

	s = xmalloc(n + 1);
	for (i = 0; i < n; i++)
		s[i] = pat[i % pl];
	s[n] = '\0';
	return s;
}

static void
test_hostile(void)
{
	static const char *const pats[] = { ">\n", "> q\n", "\n", "\r",
	    "\r\n", "a\n> b\n", "From: x\n", "From: x\nSent: y\n",
	    "On 1 wrote:\n", "On 1\n", "-- \n", "-", ">", "x", "\xff\xfe\n",
	    "\xc2\xa0\n", "Sent from my iPhone\n", "_\n", "____________\n" };
	size_t n = 1024 * 1024, i;
	char *p, *s;

	for (i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		p = repeat(pats[i], n);
		s = qs_n(p, n);
		T_CHECK(s != NULL && strlen(s) <= n);
		free(s);
		free(p);
	}
	/* 1 MB of ">" lines and one answer at the end */
	p = repeat("> quoted line\n", n);
	memcpy(p + n - 9, "\nanswer\n\n", 9);
	s = qs_n(p, n);
	T_CHECK(strncmp(s, "> quoted", 8) != 0);
	T_CHECK(strstr(s, "answer") != NULL);
	free(s);
	free(p);
	/* one 1 MB line, and a 1 MB line ending in "wrote:" before a quote */
	p = repeat("w", n);
	s = qs_n(p, n);
	T_INTEQ(strlen(s), n);
	free(s);
	memcpy(p, "mine\n", 5);
	memcpy(p + n - 10, "wrote:\n> q", 10);
	s = qs_n(p, n);
	T_CHECK(strlen(s) > n - 20 && strncmp(s, "mine\n", 5) == 0);
	free(s);
	free(p);
	/* NUL-free binary: every byte 1..255 */
	p = xmalloc(255 * 4096);
	for (i = 0; i < 255 * 4096; i++)
		p[i] = (char)(1 + (i * 31) % 255);
	s = qs_n(p, 255 * 4096);
	T_CHECK(s != NULL && strlen(s) <= 255 * 4096);
	free(s);
	free(p);
	/* NUL bytes are outside the contract: no crash */
	s = qs_n("a\0b\n> q\0\nc", 10);
	T_CHECK(s != NULL);
	free(s);
	s = quote_strip(NULL, 0);
	T_STREQ(s, "");
	free(s);
}

/* Invalid UTF-8 passes through; valid UTF-8 stays valid. */
static void
test_utf8(void)
{
	char *s;

	s = qs("caf\xc3\xa9 \xff\xfe\n> \xc3\n\xe2\x82\n");
	T_STREQ(s, "caf\xc3\xa9 \xff\xfe\n\xe2\x82");
	free(s);
	s = qs("\xc3\xa9t\xc3\xa9\n> q\n\xe6\x89\x93\xe5\x8d\xb0\n");
	T_CHECK(charset_utf8_valid(s, strlen(s)));
	T_STREQ(s, "\xc3\xa9t\xc3\xa9\n\xe6\x89\x93\xe5\x8d\xb0");
	free(s);
}

/* Byte-at-a-time prefixes never crash, and every prefix ends cleanly. */
static void
test_prefixes(void)
{
	const char *t;
	size_t i, k, n;
	char *s;

	for (k = 0; k < sizeof(tab) / sizeof(tab[0]); k++) {
		t = tab[k].text;
		n = strlen(t);
		for (i = 0; i <= n; i++) {
			s = qs_n(t, i);
			T_CHECK(s != NULL && strlen(s) <= i);
			free(s);
		}
	}
}

int
main(void)
{
	T_RUN(test_table);
	T_RUN(test_header_blocks);
	T_RUN_HEAVY(test_hostile);
	T_RUN(test_utf8);
	T_RUN(test_prefixes);
	return T_END();
}
