// MQTT routing: which handler a message on which topic goes to. Nothing else happens here —
// validation lives with each handler (and in wire/mqtt.ts), so a new topic is one line.
import { topics, suiteTopics, agentIdOfTopic } from '../wire/mqtt.ts';

export interface LabHandlers {
  flashRequest(payload: Buffer): void;
  suiteRunRequest(payload: Buffer): void;
  agentStatus(agentId: string, topic: string, payload: Buffer): void;
  agentInventory(agentId: string, topic: string, payload: Buffer): void;
  jobProgress(agentId: string, topic: string, payload: Buffer): void;
  jobResult(agentId: string, topic: string, payload: Buffer): void;
  agentHealth(agentId: string, topic: string, payload: Buffer): void;
}

/** The subscriptions that feed routeMessage, with their QoS (health samples are QoS 0). */
export const SUBSCRIPTIONS: Record<string, { qos: 0 | 1 }> = {
  [topics.allStatus]: { qos: 1 }, [topics.allInventory]: { qos: 1 }, [topics.allProgress]: { qos: 1 },
  [topics.allResults]: { qos: 1 }, [topics.allHealth]: { qos: 0 }, [topics.requests]: { qos: 1 },
  [suiteTopics.run]: { qos: 1 },
};

export function routeMessage(topic: string, payload: Buffer, h: LabHandlers): void {
  if (topic === topics.requests) return h.flashRequest(payload);
  if (topic === suiteTopics.run) return h.suiteRunRequest(payload);
  const agentId = agentIdOfTopic(topic);
  if (!agentId) return;
  switch (topic.slice(topic.lastIndexOf('/') + 1)) {
    case 'status': return h.agentStatus(agentId, topic, payload);
    case 'inventory': return h.agentInventory(agentId, topic, payload);
    case 'progress': return h.jobProgress(agentId, topic, payload);
    case 'results': return h.jobResult(agentId, topic, payload);
    case 'health': return h.agentHealth(agentId, topic, payload);
  }
}
