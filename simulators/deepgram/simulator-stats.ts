/** Counters the control API exposes; tests and benchmarks read them to check what the platform actually sent. */
export interface DeepgramStats {
  listen: {
    socketsOpened: number;
    socketsOpen: number;
    rejectedHandshakes: number;
    audioMsReceived: number;
    audioBytesReceived: number;
    messagesSent: number;
    resultsSent: number;
    speechFinalsSent: number;
    utteranceEndsSent: number;
    speechStartedSent: number;
    keepAlives: number;
    finalizes: number;
    closeStreams: number;
    unknownMessages: number;
    idleTimeouts: number;
    drops: number;
  };
  /** `/v2/listen` (Flux). */
  flux: {
    socketsOpened: number;
    socketsOpen: number;
    rejectedHandshakes: number;
    audioMsReceived: number;
    messagesSent: number;
    updatesSent: number;
    startOfTurnsSent: number;
    eagerEndOfTurnsSent: number;
    turnResumedSent: number;
    endOfTurnsSent: number;
    configures: number;
    forceEndTurns: number;
    closeStreams: number;
    /** Text messages that are none of CloseStream, Configure, ForceEndTurn: a fatal Error, then the socket closes. */
    unparsableMessages: number;
    idleTimeouts: number;
    drops: number;
  };
  speak: {
    socketsOpened: number;
    socketsOpen: number;
    rejectedHandshakes: number;
    speakMessages: number;
    charactersReceived: number;
    flushes: number;
    flushedSent: number;
    clears: number;
    closes: number;
    warnings: number;
    flushLimitWarnings: number;
    characterLimitWarnings: number;
    /** Closed 1009 BIG-0001: a Speak over 2000 characters. */
    oversizedSpeakCloses: number;
    /** Closed 1011 NET-0003: the 60-minute connection cap. */
    timeLimitCloses: number;
    /** Upgrades refused with 429: the project's concurrent speak sockets were all in use. */
    concurrencyRejections: number;
    messagesSent: number;
    audioBytesSent: number;
    audioMsSent: number;
    drops: number;
    restRequests: number;
    restAudioBytesSent: number;
  };
}

export function emptyStats(): DeepgramStats {
  return {
    listen: {
      socketsOpened: 0, socketsOpen: 0, rejectedHandshakes: 0, audioMsReceived: 0, audioBytesReceived: 0, messagesSent: 0, resultsSent: 0,
      speechFinalsSent: 0, utteranceEndsSent: 0, speechStartedSent: 0, keepAlives: 0, finalizes: 0, closeStreams: 0, unknownMessages: 0,
      idleTimeouts: 0, drops: 0,
    },
    flux: {
      socketsOpened: 0, socketsOpen: 0, rejectedHandshakes: 0, audioMsReceived: 0, messagesSent: 0, updatesSent: 0, startOfTurnsSent: 0,
      eagerEndOfTurnsSent: 0, turnResumedSent: 0, endOfTurnsSent: 0, configures: 0, forceEndTurns: 0, closeStreams: 0, unparsableMessages: 0,
      idleTimeouts: 0, drops: 0,
    },
    speak: {
      socketsOpened: 0, socketsOpen: 0, rejectedHandshakes: 0, speakMessages: 0, charactersReceived: 0, flushes: 0, flushedSent: 0, clears: 0,
      closes: 0, warnings: 0, flushLimitWarnings: 0, characterLimitWarnings: 0, oversizedSpeakCloses: 0, timeLimitCloses: 0, concurrencyRejections: 0, messagesSent: 0, audioBytesSent: 0, audioMsSent: 0, drops: 0, restRequests: 0, restAudioBytesSent: 0,
    },
  };
}
