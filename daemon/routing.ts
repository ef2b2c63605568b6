// MQTT routing: which handler a message on which topic goes to. Nothing else happens here —
// validation lives with each handler (and in wire/mqtt.ts), so a new topic is one line.
import { topics, suiteTopics, agentIdOfTopic, requesterOfTopic, clientOfFirmwareTopic, firmwareRequestTopics } from '../wire/mqtt.ts';

export interface LabHandlers {
  /** `requester`: the account the topic names (undefined on the old shared topics);
   * `firmwareTopic`: it came on tinyrack/requests/firmware/<requester> (bring your own firmware). */
  flashRequest(payload: Buffer, requester: string | undefined, firmwareTopic: boolean): void;
  suiteRunRequest(payload: Buffer, requester: string | undefined): void;
  /** A request on a per-requester topic whose requester level is no valid id. */
  badRequester(topic: string): void;
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
  [suiteTopics.run]: { qos: 1 }, [topics.allRequests]: { qos: 1 }, [suiteTopics.allRuns]: { qos: 1 },
  [firmwareRequestTopics.all]: { qos: 1 },
};

export function routeMessage(topic: string, payload: Buffer, h: LabHandlers): void {
  if (topic === topics.requests) return h.flashRequest(payload, undefined, false);
  if (topic === suiteTopics.run) return h.suiteRunRequest(payload, undefined);
  const uploader = clientOfFirmwareTopic(topic);
  if (uploader !== undefined) return h.flashRequest(payload, uploader, true);
  if (topic.startsWith(`${topics.requests}/`) || topic.startsWith(`${suiteTopics.run}/`)) {
    const requester = requesterOfTopic(topic);
    // A requester name that is no safe id has no reply prefix to answer under.
    if (requester === undefined) return h.badRequester(topic);
    return topic.startsWith(`${topics.requests}/`) ? h.flashRequest(payload, requester, false) : h.suiteRunRequest(payload, requester);
  }
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
