#!/usr/bin/env python3
"""Writes fast-channel.json, the test vectors of docs/fast-channel.md, with Python's `cryptography`:
an implementation independent of both engines that the vectors check. Inputs are fixed, so the
output is the same on every run:  python3 make-fast-channel-vectors.py > fast-channel.json"""
import hashlib, hmac, json, struct
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

def pattern(n, seed):
    return bytes((seed + 7 * i) & 0xff for i in range(n))

def hkdf(secret, salt, info):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info.encode()).derive(secret)

dialer_secret, listener_secret, session_id = pattern(32, 1), pattern(32, 101), pattern(16, 201)
data_key = hkdf(dialer_secret + listener_secret, session_id, 'edgevpn-fast data')
hello_key = hkdf(dialer_secret + listener_secret, session_id, 'edgevpn-fast hello')
hello = session_id + hmac.new(hello_key, b'hello' + session_id, hashlib.sha256).digest()
ack = hmac.new(hello_key, b'ack' + session_id, hashlib.sha256).digest()

def unit(packet):
    body = bytes(10) + packet  # a plain packet behind a virtio-net header of zeros
    return struct.pack('>I', len(body)) + body

def ipv4(length, seed):
    header = bytes([0x45, 0, length >> 8, length & 0xff]) + bytes(8) + bytes([10, 1, 0, 7, 10, 1, 0, 9])
    return header + pattern(length - 20, seed)

# A stream of three units cut into records at arbitrary places: a unit spans records 0 and 1.
stream = unit(ipv4(84, 3)) + unit(ipv4(1500, 5)) + unit(ipv4(40, 9))
cuts = [0, 60, 1200, len(stream)]
records = []
for number, (start, end) in enumerate(zip(cuts, cuts[1:])):
    plaintext = stream[start:end]
    nonce = bytes(6) + number.to_bytes(6, 'big')
    sealed = AESGCM(data_key).encrypt(nonce, plaintext, None)  # ciphertext || tag
    records.append({'number': number, 'plaintext': plaintext.hex(), 'record': (struct.pack('>I', len(sealed)) + sealed).hex()})
# The largest record: 256 KiB of plaintext, as record number 3 of the same socket.
big = pattern(256 * 1024, 11)
sealed = AESGCM(data_key).encrypt(bytes(6) + (3).to_bytes(6, 'big'), big, None)
largest = {'number': 3, 'plaintextPattern': {'length': len(big), 'seed': 11}, 'sha256': hashlib.sha256(struct.pack('>I', len(sealed)) + sealed).hexdigest()}

print(json.dumps({
    'about': 'Test vectors of docs/fast-channel.md, written by make-fast-channel-vectors.py; byte strings in hex',
    'agreement': {
        'dialerSecret': dialer_secret.hex(), 'listenerSecret': listener_secret.hex(), 'sessionId': session_id.hex(),
        'dataKey': data_key.hex(), 'helloKey': hello_key.hex(), 'hello': hello.hex(), 'ack': ack.hex(),
    },
    'units': stream.hex(),
    'records': records,
    'largestRecord': largest,
}, indent=2))
