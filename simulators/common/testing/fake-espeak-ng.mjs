#!/usr/bin/env node
// A stand-in for espeak-ng in tests: logs its arguments to $FAKE_ESPEAK_LOG and writes, like espeak-ng --stdout,
// a streaming RIFF/WAVE (sizes 0xFFFFFFFF) of 22050 Hz mono 16-bit: a 220 Hz sine, 400 ms per word.
import { appendFileSync } from "node:fs";

const args = process.argv.slice(2);
if (process.env.FAKE_ESPEAK_LOG) appendFileSync(process.env.FAKE_ESPEAK_LOG, JSON.stringify(args) + "\n");
if (args[0] === "--version") {
  process.stdout.write("eSpeak NG text-to-speech: 1.51 (fake)\n");
  process.exit(0);
}
const text = args.slice(args.indexOf("--") + 1).join(" ");
const rate = 22050;
const frames = Math.round((text.split(/\s+/).filter(Boolean).length * 400 * rate) / 1000);
const wav = Buffer.alloc(44 + frames * 2);
wav.write("RIFF", 0);
wav.writeUInt32LE(0xffffffff, 4);
wav.write("WAVEfmt ", 8);
wav.writeUInt32LE(16, 16);
wav.writeUInt16LE(1, 20);
wav.writeUInt16LE(1, 22);
wav.writeUInt32LE(rate, 24);
wav.writeUInt32LE(rate * 2, 28);
wav.writeUInt16LE(2, 32);
wav.writeUInt16LE(16, 34);
wav.write("data", 36);
wav.writeUInt32LE(0xffffffff, 40);
for (let i = 0; i < frames; i++) wav.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 220 * i) / rate)), 44 + i * 2);
process.stdout.write(wav);
