#!/usr/bin/python3
# Regenerate with: /usr/bin/python3 tests/corpus/tnef-outlook.py (from the repo root).
# Builds tests/corpus/tnef-outlook.eml: an Outlook-style mail whose text and
# attachments are only inside winmail.dat (TNEF written record by record).
import struct, email.message, email.policy, email.utils

def rec(level, aid, data):
    return struct.pack('<BII', level, aid, len(data)) + data + struct.pack('<H', sum(data) & 0xffff)

def mp(props):
    out = struct.pack('<I', len(props))
    for typ, pid, val in props:
        out += struct.pack('<HH', typ, pid)
        if typ == 0x0003:
            out += struct.pack('<I', val)
        else:
            out += struct.pack('<II', 1, len(val)) + val + b'\0' * (-len(val) % 4)
    return out

rend = b'\x01\x00\xff\xff\xff\xff' + b'\0' * 8
png = bytes.fromhex('89504e470d0a1a0a0000000d4948445200000001000000010806000000'
                    '1f15c4890000000d49444154789c6360000002000100e221bc330000'
                    '000049454e44ae426082')
html = ('<html><body><p>The VPN drops every <b>10 minutes</b> since Monday.</p>'
        '<p><img src="cid:screenshot.png@01DA0000.12345678"></p>'
        '<p>Regards, Zo\u00eb</p></body></html>').encode('cp1252')
t = struct.pack('<IH', 0x223e9f78, 0x0001)
t += rec(1, 0x00089006, b'\x00\x00\x01\x00')
t += rec(1, 0x00069007, struct.pack('<II', 1252, 0))
t += rec(1, 0x00078008, b'IPM.Microsoft Mail.Note\0')
t += rec(1, 0x00069003, mp([(0x0102, 0x1013, html), (0x0003, 0x3fde, 1252)]))
t += rec(2, 0x00069002, rend)
t += rec(2, 0x00018010, b'SCREEN~1.PNG\0')
t += rec(2, 0x0006800f, png)
t += rec(2, 0x00069005, mp([(0x001f, 0x3707, 'screenshot.png\0'.encode('utf-16le')),
                           (0x001e, 0x3712, b'screenshot.png@01DA0000.12345678\0'),
                           (0x001e, 0x370e, b'image/png\0')]))
t += rec(2, 0x00069002, rend)
t += rec(2, 0x00018010, b'VPNLOG~1.TXT\0')
t += rec(2, 0x0006800f, b'10:00 tunnel up\r\n10:10 tunnel down\r\n')
t += rec(2, 0x00069005, mp([(0x001e, 0x3707, 'vpn log \u00e9t\u00e9.txt\0'.encode('cp1252'))]))

m = email.message.EmailMessage(policy=email.policy.SMTP)
m['From'] = 'Zo\u00eb Example <zoe@corp.example>'
m['To'] = 'IT Desk <it@corp.example>'
m['Subject'] = 'VPN keeps dropping'
m['Date'] = 'Mon, 06 Jan 2025 09:00:00 +0000'
m['Message-ID'] = '<tnef-outlook-1@corp.example>'
m['X-Generated-By'] = 'ticketd tests (python3 email package, TNEF built by hand)'
m.set_content('')
m.make_mixed()
m.add_attachment(t, maintype='application', subtype='ms-tnef', filename='winmail.dat')
# Outlook sends no text part of its own here
m.set_payload([p for p in m.get_payload() if p.get_content_type() != 'text/plain'])
m.set_boundary('=_tnef-outlook-1')  # fixed, so the file is reproducible
open('tests/corpus/tnef-outlook.eml', 'wb').write(m.as_bytes())
