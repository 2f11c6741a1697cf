import { podAddressesWantedOffer } from '../../toolkit/offers.ts';
import type { SetupContext } from '../../toolkit/types.ts';
import type { KubernetesOptions } from './options.ts';

/** Whether the API watch takes pods: for `pods verified`, or where `top` names clients by their pods. */
export function watchesPods(options: Pick<KubernetesOptions, 'pods'>, context: Pick<SetupContext, 'shared'>): boolean {
  return options.pods === 'verified' || podAddressesWantedOffer.find(context) === true;
}
